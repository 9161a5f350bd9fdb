"""Every screen of the floor app, at a phone's 360 px and a handheld's 480×800:
nothing scrolls sideways, every control is at least 48 px tall, and a
screenshot of each is saved in test-results/."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fulfilment_steps import shipped_rma
from playwright.sync_api import Browser, expect
from pwa_helpers import fits, make_pick_list, open_app, scan, stocked_items, supervisor

if TYPE_CHECKING:
    from conftest import LiveServer

VIEWPORTS = {
    "phone-360": {"width": 360, "height": 740},
    "handheld-480": {"width": 480, "height": 800},
}


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_every_screen_fits(
    browser: Browser,
    signed_in: Any,
    live_server: LiveServer,
    request: pytest.FixtureRequest,
    viewport: str,
) -> None:
    url, root = live_server.url, request.config.rootpath
    skip = 50 if viewport == "phone-360" else 55
    items = stocked_items(live_server.db, 2, skip=skip)
    sup, api = supervisor(signed_in)
    pick_list = make_pick_list(api, url, items, qty=1)
    returned = stocked_items(live_server.db, 1, skip=skip + 40)[0]
    tote = "TOTE-34" if viewport == "phone-360" else "TOTE-33"
    made = shipped_rma(url, returned, 2, 2, tote)
    rma = made["number"]

    context = signed_in("picker", viewport=VIEWPORTS[viewport])
    page = context.new_page()
    open_app(page, url, "pick")
    expect(page.locator(f"[data-list='{pick_list['number']}']")).to_be_visible()
    fits(page, root, f"{viewport}-pick-lists")
    page.locator(f"[data-list='{pick_list['number']}']").click()
    scan(page, items[0]["bin"])
    scan(page, "DOCK-1")  # a wrong bin: the warning colour
    expect(page.locator("#flash")).to_have_attribute("data-kind", "bad")
    fits(page, root, f"{viewport}-pick-task")
    # the bin to go to is whole on one line, never "A-" then "02-18"
    codes = page.evaluate(
        "[...document.querySelectorAll('#flash .code')].map((c) => [c.textContent,"
        " c.getClientRects().length])"
    )
    assert [items[0]["bin"], 1] in codes and all(lines == 1 for _, lines in codes)

    page.goto(f"{url}/app#count")
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    # the pick's warning stays with the pick screen
    expect(page.locator("#flash")).to_have_text("Ready: scan a code")
    fits(page, root, f"{viewport}-count-tasks")
    scan(page, items[1]["bin"])
    scan(page, items[1]["ean"])
    expect(page.locator(".line")).to_have_count(1)
    fits(page, root, f"{viewport}-count-bin")

    page.locator(".tabs a[data-screen=receive]").click()
    scan(page, "DOCK-2")
    fits(page, root, f"{viewport}-receive")
    page.locator("#mode-move").click()
    scan(page, items[0]["bin"])
    scan(page, items[0]["ean"])
    fits(page, root, f"{viewport}-move")

    page.locator(".tabs a[data-screen=returns]").click()
    expect(page.locator(f"[data-rma='{rma}']")).to_be_visible()
    fits(page, root, f"{viewport}-returns-rmas")
    scan(page, made["order"])  # the order's number finds its RMA too
    expect(page.locator("section[aria-label=Returns] h1")).to_contain_text(rma)
    scan(page, returned["ean"])
    expect(page.locator("[data-grade]")).to_have_count(4)
    fits(page, root, f"{viewport}-returns-grade")
    page.locator("[data-grade=opened]").click()
    expect(page.locator("[data-disposition]")).to_have_count(3)
    fits(page, root, f"{viewport}-returns-disposition")

    page.locator(".tabs a[data-screen=lookup]").click()
    scan(page, items[0]["ean"])
    expect(page.locator("#lookup-result")).to_contain_text(items[0]["sku"])
    fits(page, root, f"{viewport}-lookup")
    context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Offline")
    fits(page, root, f"{viewport}-offline-status")
    context.close()
    sup.close()


def test_the_tabs_are_readable_on_a_320_px_handheld(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    """Each tab's name is whole, on one line, inside its own tab, at the width of
    the smallest handhelds (before, "Receive" and "Returns" ran together and
    "Look up" broke over two lines), and the scan field's placeholder reads whole."""
    context = signed_in("picker", viewport={"width": 320, "height": 640})
    page = context.new_page()
    open_app(page, live_server.url, "pick")
    tabs = page.evaluate(
        """() => [...document.querySelectorAll('.tabs a')].map((tab) => {
              const range = document.createRange();
              range.selectNodeContents(tab);
              const text = range.getBoundingClientRect(), box = tab.getBoundingClientRect();
              return {name: tab.textContent.trim(), lines: range.getClientRects().length,
                      inside: text.left >= box.left && text.right <= box.right,
                      clipped: tab.scrollWidth > tab.clientWidth};
           })"""
    )
    assert [t["name"] for t in tabs] == ["Pick", "Count", "Receive", "Returns", "Look up"]
    assert [t for t in tabs if t["lines"] != 1 or not t["inside"] or t["clipped"]] == []
    room = page.locator("#scan").evaluate(
        """(input) => {
              const style = getComputedStyle(input);
              const ctx = document.createElement('canvas').getContext('2d');
              ctx.font = style.font;
              const inside = input.clientWidth - parseFloat(style.paddingLeft)
                             - parseFloat(style.paddingRight);
              return inside - ctx.measureText(input.placeholder).width;
           }"""
    )
    assert room >= 0, f"the scan field's placeholder is cut off by {-room:.0f} px"
    fits(page, request.config.rootpath, "handheld-320-tabs")
    context.close()
