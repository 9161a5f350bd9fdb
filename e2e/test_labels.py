"""Every printed label decodes back to what it should: render, screenshot, decode.

A supervisor opens the label page in Chromium with print media emulated; each
label is screenshotted and decoded with zxing-cpp, and what it holds is
compared with the demo database, read here directly: bins in walk order,
items' EAN-13s, lots' GTIN, lot and expiry (parsed back with biip).
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import biip
import numpy as np
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer

# each layout's page in CSS px (96 a inch)
PAGE_PX = {"a4-3x8": (793.7, 1122.5), "2x1": (192, 96), "4x6": (384, 576),
           "letter-3x10": (816, 1056)}  # fmt: skip
SIZES = list(PAGE_PX)


def _rows(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return [tuple(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def supervisor(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """One supervisor's page for the module (logging in costs a real Argon2 hash)."""
    context = browser.new_context(device_scale_factor=2, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Username").fill("supervisor")
    page.get_by_label("Password").fill("supervisor-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.emulate_media(media="print")
    yield page
    context.close()


def _decode_labels(page: Page, url: str, count: int) -> list[zxingcpp.Barcode]:
    page.goto(url)
    labels = page.locator("article.label")
    expect(labels).to_have_count(count)
    expect(page.locator(".controls")).to_be_hidden()  # print media: only the labels
    size = url.rpartition("size=")[2]
    box = page.locator("section.page").first.bounding_box()
    assert box is not None
    assert abs(box["width"] - PAGE_PX[size][0]) < 1 and abs(box["height"] - PAGE_PX[size][1]) < 1
    found = []
    for i in range(count):
        shot = Image.open(io.BytesIO(labels.nth(i).screenshot())).convert("L")
        codes = zxingcpp.read_barcodes(np.asarray(shot), text_mode=zxingcpp.TextMode.Plain)
        assert len(codes) == 1, f"label {i} of {url}: {[c.text for c in codes]}"
        found.append(codes[0])
    return found


@pytest.mark.parametrize("size", SIZES)
def test_bin_labels(supervisor: Page, live_server: LiveServer, size: str) -> None:
    expected = _rows(live_server.db, "SELECT coalesce(barcode, code) FROM locations"
                     " WHERE zone = 'B' ORDER BY pick_seq, code LIMIT 6")  # fmt: skip
    url = f"{live_server.url}/labels?kind=bin&zone=B&limit=6&size={size}"
    codes = _decode_labels(supervisor, url, len(expected))
    assert [(c.format, c.text) for c in codes] == [(zxingcpp.BarcodeFormat.Code128, e)
                                                   for (e,) in expected]  # fmt: skip


@pytest.mark.parametrize("size", ["a4-3x8", "2x1"])
def test_item_labels(supervisor: Page, live_server: LiveServer, size: str) -> None:
    expected = _rows(
        live_server.db,
        "SELECT i.sku, b.code FROM items i JOIN item_barcodes b ON b.item_id = i.id"
        " WHERE b.pack_qty = 1 AND length(b.code) = 13 ORDER BY i.sku LIMIT 6",
    )
    url = f"{live_server.url}/labels?kind=item&limit=6&size={size}"
    codes = _decode_labels(supervisor, url, len(expected))
    assert [(c.format, c.text) for c in codes] == [(zxingcpp.BarcodeFormat.EAN13, e)
                                                   for _, e in expected]  # fmt: skip


@pytest.mark.parametrize("size", ["a4-3x8", "4x6", "2x1"])
def test_lot_labels(supervisor: Page, live_server: LiveServer, size: str) -> None:
    expected = _rows(
        live_server.db,
        "SELECT '0' || b.code, l.code, l.expiry FROM lots l JOIN items i ON i.id = l.item_id"
        " JOIN item_barcodes b ON b.item_id = i.id AND b.pack_qty = 1 AND length(b.code) = 13"
        " WHERE l.status = 'ok' ORDER BY i.sku, l.code LIMIT 6",
    )
    assert expected, "the demo has no lots"
    url = f"{live_server.url}/labels?kind=lot&limit=6&size={size}"
    codes = _decode_labels(supervisor, url, len(expected))
    read = []
    for code in codes:
        assert code.format == zxingcpp.BarcodeFormat.DataMatrix
        assert code.symbology_identifier == "]d2"  # GS1 DataMatrix
        width = code.position.top_right.x - code.position.top_left.x
        height = code.position.bottom_left.y - code.position.top_left.y
        assert abs(width - height) <= 0.05 * width  # square, not a DMRE rectangle
        message = biip.parse(code.symbology_identifier + code.text).gs1_message
        assert message is not None
        fields = {e.ai.ai: e for e in message.element_strings}
        gtin = fields["01"].gtin
        assert gtin is not None
        expiry = fields["17"].date.isoformat() if "17" in fields and fields["17"].date else None
        read.append((gtin.as_gtin_14(), fields["10"].value, expiry))
    assert read == expected


def test_a_picker_cannot_print_labels(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Username").fill("picker")
    page.get_by_label("Password").fill("picker-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("link", name="Print labels")).to_have_count(0)
    response = page.goto(f"{live_server.url}/labels?kind=bin")
    assert response is not None and response.status == 403
