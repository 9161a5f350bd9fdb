"""A burst of wedge scans at 10 a second while the page is busy: every scan is
recorded exactly once, in order, and reaches the server once."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect
from pwa_helpers import PHONE, on_hand, open_app, scan, sent_log, stocked_items, wait_synced

if TYPE_CHECKING:
    from conftest import LiveServer

SCANS = 40


def test_ten_scans_a_second_on_a_busy_page(signed_in: Any, live_server: LiveServer) -> None:
    url = live_server.url
    (item,) = stocked_items(live_server.db, 1, skip=40)
    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "receive")
    api = page.request
    before = on_hand(api, url, item["sku"], "DOCK-2")
    scan(page, "DOCK-2")
    expect(page.locator("#prompt")).to_contain_text("DOCK-2")
    # the screen is busy: the main thread is blocked 40 ms out of every 100
    page.evaluate(
        "setInterval(() => { const t = performance.now();"
        " while (performance.now() - t < 40); }, 100)"
    )
    field = page.locator("#scan")
    field.focus()
    start = time.monotonic()
    for n in range(SCANS):  # online: syncs run while the scans arrive
        page.keyboard.insert_text(item["ean"])  # the scanner's burst of characters...
        page.keyboard.press("Enter")  # ...and its Enter
        time.sleep(max(0.0, start + (n + 1) * 0.1 - time.monotonic()))
    rate = SCANS / (time.monotonic() - start)
    print(f"burst: {SCANS} scans at {rate:.1f}/s")
    wait_synced(page, timeout=30000)
    log = sent_log(page)
    entries = sorted(log["sent"] + log["outbox"], key=lambda e: e["seq"])
    assert len(entries) == SCANS
    assert [e["seq"] for e in entries] == list(range(1, SCANS + 1))
    assert len({e["id"] for e in entries}) == SCANS
    assert all(e["movement"]["qty"] == 1 and e["movement"]["to"] == "DOCK-2" for e in entries)
    assert all(e["movement"]["item"] == item["sku"] for e in entries)  # no codes run together
    expect(field).to_have_value("")
    assert on_hand(api, url, item["sku"], "DOCK-2") == before + SCANS
    context.close()


# Scans typed while earlier ones are still being stored: a wedge's characters
# and Enters all handled in one task, so no commit lands between them.
TYPE_AHEAD = """(codes) => {
  const field = document.getElementById('scan');
  for (const code of codes) {
    field.value += code;
    field.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}));
  }
  field.value += '59012';  // the next scan, half typed
  return field.value;
}"""


def test_scans_typed_before_the_last_one_is_stored(signed_in: Any, live_server: LiveServer) -> None:
    url = live_server.url
    items = stocked_items(live_server.db, 3, skip=45)
    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "receive")
    scan(page, "DOCK-2")
    expect(page.locator("#prompt")).to_contain_text("DOCK-2")
    field = page.locator("#scan")
    expect(field).to_have_value("")
    codes = [items[0]["ean"], items[1]["ean"], items[0]["ean"], items[2]["ean"]]
    # the field keeps every taken code until the first of them is stored
    assert page.evaluate(TYPE_AHEAD, codes) == "".join(codes) + "59012"
    expect(page.locator("#flash")).to_contain_text(f"Received 1 × {items[2]['sku']}")
    expect(field).to_have_value("59012")  # what was typed after them is kept
    wait_synced(page)
    log = sent_log(page)
    entries = sorted(log["sent"] + log["outbox"], key=lambda e: e["seq"])
    received = [e["movement"]["item"] for e in entries if e["movement"]["kind"] == "receive"]
    assert received == [items[0]["sku"], items[1]["sku"], items[0]["sku"], items[2]["sku"]]
    # the scanner finishes the half-typed code: it goes in alone
    field.focus()
    page.keyboard.insert_text("34")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text("Unknown code 5901234")
    expect(field).to_have_value("")
    context.close()
