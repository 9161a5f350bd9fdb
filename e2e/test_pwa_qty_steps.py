"""− and + step from the quantity as it is when the tap is handled, in a real
Chromium: a tap drawn before a scan was handled, or the second tap of two
quick ones, once set the quantity drawn plus one, undoing the scan or the
first tap (4 where 5 were scanned and tapped)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect
from pwa_helpers import counting_one

if TYPE_CHECKING:
    from conftest import LiveServer


def test_steps_add_to_the_quantity_as_it_is_then(signed_in: Any, live_server: LiveServer) -> None:
    context, page, item = counting_one(signed_in, live_server.db, live_server.url, skip=162)
    counted = page.get_by_label(f"Counted {item['sku']}", exact=True)
    plus = page.get_by_role("button", name=f"Counted {item['sku']} plus one")

    # two taps in a row, the second before the first is handled: two more
    plus.evaluate("(button) => { button.click(); button.click(); }")
    expect(counted).to_have_value("3")
    # scans, and a tap between them, before any of them is handled
    page.evaluate(
        "([button, code]) => { const { scanner } = window.shelfsync;"
        " scanner.submit(code, 'wedge'); button.click(); scanner.submit(code, 'wedge'); }",
        [plus.element_handle(), item["ean"]],
    )
    expect(counted).to_have_value("6")
    page.wait_for_timeout(300)  # nothing more comes of it
    expect(counted).to_have_value("6")
    context.close()
