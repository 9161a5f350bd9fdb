"""Smoke test: the demo picker logs in and looks up stock, in a real Chromium."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from conftest import LiveServer


def _a_stocked_bin(db: Path) -> tuple[str, str, str]:
    """(SKU, EAN-13, bin code) of the first stocked pick bin along the walk."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT i.sku, b.code, l.code FROM stock s"
            " JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id"
            " JOIN item_barcodes b ON b.item_id = i.id AND b.pack_qty = 1"
            " WHERE l.kind = 'pick' AND s.on_hand > 0 AND i.tracking = 'none'"
            " ORDER BY l.pick_seq, i.sku LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    assert row is not None, "the demo warehouse has no stock in pick bins"
    return row[0], row[1], row[2]


def test_picker_looks_up_stock(
    page: Page, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    sku, ean, bin_code = _a_stocked_bin(live_server.db)

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Username").fill("picker")
    page.get_by_label("Password").fill("picker-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("picker")

    page.get_by_role("link", name="Look up stock").click()
    page.get_by_label("Item (SKU or barcode)").fill(ean)  # as a scanner would type it
    page.get_by_role("button", name="Look up").click()
    row = page.locator("tbody tr").filter(has_text=bin_code)
    expect(row).to_have_count(1)
    shown = int(row.locator("td.num").inner_text().strip())

    # the same number through the API, with the browser's own session
    answer = page.request.get(f"{live_server.url}/api/stock", params={"item": sku})
    assert answer.ok, answer.text()
    on_hand = {r["location"]: r["on_hand"] for r in answer.json()["stock"]}
    assert shown == on_hand[bin_code]
    assert shown > 0

    screenshots = request.config.rootpath / "test-results"
    screenshots.mkdir(exist_ok=True)
    page.screenshot(path=str(screenshots / "smoke-stock-lookup.png"), full_page=True)
