"""A keyboard-wedge scanner types into whatever has the focus, in a real Chromium.

Two ways its scan went astray: a typed quantity, committed with Enter, draws
the screen again and the browser leaves the focus on the page (no field, no
blur), so the next scans were dropped without a word; and a scan made while
the person was still typing a quantity became that quantity (a receipt of
25901234000833 units).  Now a key typed with nothing focused goes to the
scan field, and a burst of keys ending in Enter inside a quantity field is a
scan: the field keeps what the person typed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import Page, expect
from pwa_helpers import PHONE, location_barcode, open_app, scan, sent_log, stocked_items

if TYPE_CHECKING:
    from conftest import LiveServer


def _wedge(page: Page, code: str) -> None:
    """What a wedge does: types the code into whatever has the focus, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def _receipts(page: Page) -> list[tuple[str, int]]:
    log = sent_log(page)
    return [(e["movement"]["item"], e["movement"]["qty"]) for e in log["sent"] + log["outbox"]
            if e["movement"]["kind"] == "receive"]  # fmt: skip


def _receiving(signed_in: Any, live_server: LiveServer) -> Page:
    """The Receive screen, offline, at DOCK-1."""
    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, live_server.url, "receive")
    context.set_offline(True)
    scan(page, location_barcode(live_server.db, "DOCK-1"))
    expect(page.locator("#flash")).to_have_text("Receiving into DOCK-1")
    page.wait_for_timeout(300)  # the screen drawn after the confirmation's frame
    return page


def test_a_scan_after_a_typed_quantity_goes_to_the_scan_field(
    signed_in: Any, live_server: LiveServer
) -> None:
    (item,) = stocked_items(live_server.db, 1, skip=160)
    page = _receiving(signed_in, live_server)
    per_scan = page.get_by_label("Per scan", exact=True)
    per_scan.fill("2")
    per_scan.press("Enter")  # the screen is drawn again: the field that had the focus is gone
    expect(page.get_by_label("Per scan", exact=True)).to_have_value("2")

    _wedge(page, item["ean"])
    expect(page.locator("#flash")).to_have_text(f"Received 2 × {item['sku']}")
    _wedge(page, item["ean"])
    expect(page.locator("#flash")).to_have_text(f"Received 2 × {item['sku']}")
    expect(page.locator("#pending")).to_have_text("2 to send")
    assert _receipts(page) == [(item["sku"], 2), (item["sku"], 2)]
    assert page.evaluate("document.activeElement.id") == "scan"
    page.context.close()


def test_a_scan_made_while_typing_a_quantity_is_a_scan_not_the_quantity(
    signed_in: Any, live_server: LiveServer
) -> None:
    (item,) = stocked_items(live_server.db, 1, skip=161)
    page = _receiving(signed_in, live_server)
    per_scan = page.get_by_label("Per scan", exact=True)
    per_scan.select_text()  # the person taps the field...
    page.keyboard.type("3", delay=150)  # ...types 3, and scans before pressing Enter
    page.wait_for_timeout(200)
    _wedge(page, item["ean"])

    expect(page.locator("#flash")).to_have_text(f"Received 3 × {item['sku']}")
    expect(page.get_by_label("Per scan", exact=True)).to_have_value("3")
    assert _receipts(page) == [(item["sku"], 3)]
    # the count is drawn after the scan's frame: waited for, not read once
    expect(page.locator("#pending")).to_have_text("1 to send")
    assert page.evaluate("document.activeElement.id") == "scan"  # and the next scan goes there
    _wedge(page, item["ean"])
    expect(page.locator("#pending")).to_have_text("2 to send")
    assert _receipts(page) == [(item["sku"], 3), (item["sku"], 3)]
    page.context.close()
