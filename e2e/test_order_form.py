"""The phone order form on a phone-sized screen in a real Chromium: a scanner's
Enter moves on instead of sending the form, problems show next to their fields,
and a good order is created, allocated and shown."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, expect
from pwa_helpers import tables_fit

if TYPE_CHECKING:
    from conftest import LiveServer


def _stocked_ean(db: Path) -> tuple[str, str]:
    """(SKU, EAN-13) of an item with stock in a pick bin."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT i.sku, b.code FROM stock s JOIN items i ON i.id = s.item_id"
            " JOIN locations l ON l.id = s.location_id"
            " JOIN item_barcodes b ON b.item_id = i.id AND b.pack_qty = 1"
            " WHERE l.kind = 'pick' AND s.on_hand >= 5 AND i.tracking = 'none'"
            " ORDER BY i.sku LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    assert row is not None
    return row[0], row[1]


def test_a_phone_order_on_a_phone(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    sku, ean = _stocked_ean(live_server.db)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)  # fmt: skip
    page = context.new_page()
    page.goto(f"{live_server.url}/login?next=/orders/new")
    page.get_by_label("Username").fill("supervisor")
    page.get_by_label("Password").fill("supervisor-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New order")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_label("Customer").fill("Grace Hopper")
    page.get_by_label("Item 1").click()
    page.keyboard.type(ean)  # a keyboard-wedge scanner: the code, then Enter
    page.keyboard.press("Enter")
    expect(page.locator("#qty_1")).to_be_focused()
    expect(page).to_have_url(f"{live_server.url}/orders/new")  # not sent
    page.locator("#qty_1").fill("2")
    page.get_by_role("button", name="Create and allocate").click()
    # the address is missing: shown next to its fields, what was typed is kept
    expect(page.locator("#ship_city-error")).to_have_text("required")
    expect(page.locator("#item_1")).to_have_value(ean)
    screenshots = request.config.rootpath / "test-results"
    screenshots.mkdir(exist_ok=True)
    page.screenshot(path=str(screenshots / "order-form-phone-problems.png"), full_page=True)

    page.get_by_label("Name").fill("Grace Hopper")
    page.get_by_label("Address", exact=True).fill("1 Harbour Road")
    page.get_by_label("City").fill("Leeds")
    page.get_by_label("Postcode").fill("LS1 1AA")
    page.get_by_label("Country (2 letters)").fill("GB")
    page.get_by_role("button", name="Create and allocate").click()
    expect(page.locator("#status")).to_have_text("allocated")
    expect(page.locator("#lines")).to_contain_text(sku)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.screenshot(path=str(screenshots / "order-form-phone.png"), full_page=True)

    # at 360 px, the order and the list of orders: every column on the screen,
    # none scrolled out of sight
    page.set_viewport_size({"width": 360, "height": 740})
    assert tables_fit(page), "the order page's tables scroll sideways"
    number = page.get_by_role("heading", level=1).text_content() or ""
    page.goto(f"{live_server.url}/orders")
    row = page.locator("tbody tr", has=page.get_by_role("link", name=number.split()[0]))
    expect(row).to_contain_text("Grace Hopper")
    expect(row).to_contain_text("allocated")
    expect(row).to_contain_text("priority")
    assert tables_fit(page), "the list of orders scrolls sideways"
    context.close()
