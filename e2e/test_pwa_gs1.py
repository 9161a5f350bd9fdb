"""The browser's GS1 parser (web/static/js/gs1.js), run in Chromium against
every vector in tests/data/gs1_vectors.json — the same file the server's biip
parsing is tested against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page

if TYPE_CHECKING:
    from conftest import LiveServer

VECTORS = json.loads(
    (Path(__file__).resolve().parent.parent / "tests" / "data" / "gs1_vectors.json").read_text()
)["vectors"]
FIELDS = ("gtin", "lot", "expiry", "serial", "count", "net_weight_kg")


@pytest.fixture(scope="module")
def parsed(browser: Any, live_server: LiveServer) -> list[dict[str, Any]]:
    page: Page = browser.new_page()
    page.goto(f"{live_server.url}/login")
    texts = [(v["symbology"] or "") + v["text"] for v in VECTORS]
    result: list[dict[str, Any]] = page.evaluate(
        """async (texts) => {
            const gs1 = await import('/static/js/gs1.js');
            return texts.map((t) => gs1.parseGs1(t));
        }""",
        texts,
    )
    page.close()
    return result


@pytest.mark.parametrize("index", range(len(VECTORS)), ids=[v["name"] for v in VECTORS])
def test_vector(parsed: list[dict[str, Any]], index: int) -> None:
    vector, got = VECTORS[index], parsed[index]
    assert got is not None, vector["name"]
    expect = vector["expect"]
    assert bool(got.get("gtin_error")) == expect.get("gtin_error", False)
    for field in FIELDS:
        if field == "gtin" and expect.get("gtin_error"):
            continue  # the wrong GTIN is reported as it is, never corrected
        assert got.get(field) == expect.get(field), field


def test_every_vector_was_run(parsed: list[dict[str, Any]]) -> None:
    assert len(parsed) == len(VECTORS) >= 13


def test_not_gs1(browser: Any, live_server: LiveServer) -> None:
    page: Page = browser.new_page()
    page.goto(f"{live_server.url}/login")
    result = page.evaluate(
        """async () => {
            const gs1 = await import('/static/js/gs1.js');
            return ['LA0101', 'SKU-00042', ']C0ABC', '', 'TOTE-01'].map((t) => gs1.parseGs1(t));
        }"""
    )
    page.close()
    assert result == [None] * 5
