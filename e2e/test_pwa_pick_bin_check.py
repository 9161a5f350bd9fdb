"""The picker's "Scan bin" step, in a real Chromium: neither the quantity
control nor "Short…" skips it.

Before the bin is scanned, tapping "+" (or typing a quantity) is refused with
what an item scanned there is told ("Scan bin … first"): nothing counts, the
step stays "Scan bin", and a tote scanned next is a wrong bin, not a pick.
Once the right bin is scanned the same "+" counts, and the pick the tote
stores comes from that bin; the server agrees.

"Short…" there is refused too, saying to scan the bin first (or type its
code, for a label that will not scan): no reason is asked and no count of 0
is stored at a bin nobody looked in.  Once the bin's code is typed, "Short…"
with nothing picked stores that count and the server ends the line short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect
from pwa_helpers import (
    app_page,
    location_barcode,
    on_hand,
    one_line_list,
    scan,
    sent_log,
    until_sent,
)

if TYPE_CHECKING:
    from conftest import LiveServer


def test_plus_before_the_bin_is_scanned_is_refused_as_an_item_scan_is(
    signed_in: Any, live_server: LiveServer
) -> None:
    url, db = live_server.url, live_server.db
    sup, api, item, pick_list, task = one_line_list(signed_in, url, db, skip=110, qty=2)
    before = on_hand(api, url, item["sku"], task["location"])
    context, page = app_page(signed_in, url, f"pick/{pick_list['number']}")
    card, flash = page.locator(".task"), page.locator("#flash")
    plus = page.get_by_role("button", name="Picked plus one")
    bin_refusal = f"Scan bin {task['location']} first"
    expect(page.locator("#prompt")).to_have_text(f"Scan bin {task['location']}")

    # at "Scan bin": the + is refused as an item scan is, and nothing counts
    scan(page, item["ean"])
    expect(flash).to_have_text(bin_refusal)
    expect(flash).to_have_attribute("data-kind", "warn")
    page.locator("#scan").fill("")
    plus.click()
    plus.click()
    expect(flash).to_have_text(bin_refusal)
    expect(flash).to_have_attribute("data-kind", "warn")
    expect(card).to_have_attribute("data-step", "bin")
    expect(page.locator("#prompt")).to_have_text(f"Scan bin {task['location']}")
    expect(card.locator(".qty-input")).to_have_value("0")
    expect(page.locator("#confirm-pick")).to_be_disabled()
    # typing the quantity is the same path
    card.locator(".qty-input").fill("2")
    card.locator(".qty-input").press("Tab")
    expect(flash).to_have_text(bin_refusal)
    expect(card.locator(".qty-input")).to_have_value("0")
    expect(card).to_have_attribute("data-step", "bin")

    # the tote now is where the bin is expected: a wrong bin, nothing stored
    scan(page, location_barcode(db, task["tote"]))
    expect(flash).to_have_text(f"Wrong bin: {task['tote']}. Go to {task['location']}")
    expect(flash).to_have_attribute("data-kind", "bad")
    page.reload()  # the refused taps left nothing in the draft either
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(card).to_have_attribute("data-step", "bin")
    expect(card.locator(".qty-input")).to_have_value("0")
    log = sent_log(page)
    assert log["sent"] + log["outbox"] == []

    # the right bin: now the same + counts, and the tote stores the pick from it
    scan(page, location_barcode(db, task["location"]))
    expect(flash).to_contain_text(f"Bin {task['location']}: scan the item")
    expect(card).to_have_attribute("data-step", "item")
    plus.click()
    expect(card.locator(".qty-input")).to_have_value("1")
    plus.click()
    expect(page.locator("#prompt")).to_have_text(f"Scan tote {task['tote']}")
    scan(page, location_barcode(db, task["tote"]))
    expect(page.locator("#list-done")).to_be_visible()
    until_sent(page, 1)
    (stored,) = [e["movement"] for e in sent_log(page)["sent"]]
    assert (stored["kind"], stored["from"], stored["to"], stored["qty"]) == (
        "pick", task["location"], task["tote"], 2)  # fmt: skip
    served = api.get(f"{url}/api/pick-lists/{pick_list['number']}").json()
    assert [t["status"] for t in served["tasks"]] == ["done"]
    assert on_hand(api, url, item["sku"], task["location"]) == before - 2
    context.close()
    sup.close()


def test_short_before_the_bin_is_scanned_is_refused_and_stores_nothing(
    signed_in: Any, live_server: LiveServer
) -> None:
    url, db = live_server.url, live_server.db
    sup, api, _, pick_list, task = one_line_list(signed_in, url, db, skip=112, qty=2)
    context, page = app_page(signed_in, url, f"pick/{pick_list['number']}")
    card, flash = page.locator(".task"), page.locator("#flash")
    short = page.get_by_role("button", name="Short…")
    refusal = f"Scan bin {task['location']} first (or type {task['location']}), then Short…"
    expect(page.locator("#prompt")).to_have_text(f"Scan bin {task['location']}")

    # at "Scan bin": no reason asked, nothing stored, and it says what to do
    short.click()
    expect(flash).to_have_text(refusal)
    expect(flash).to_have_attribute("data-kind", "warn")
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(card).to_have_attribute("data-step", "bin")
    short.click()  # again: the same
    expect(flash).to_have_text(refusal)
    expect(page.locator("dialog[open]")).to_have_count(0)
    page.reload()
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(card).to_have_attribute("data-task", task["id"])
    expect(card).to_have_attribute("data-step", "bin")
    log = sent_log(page)
    assert log["sent"] + log["outbox"] == []
    served = api.get(f"{url}/api/pick-lists/{pick_list['number']}").json()
    assert [t["status"] for t in served["tasks"]] == ["open"]

    # the bin's code typed, as for a label that will not scan: now Short… asks why
    scan(page, task["location"])
    expect(flash).to_contain_text(f"Bin {task['location']}: scan the item")
    expect(card).to_have_attribute("data-step", "item")
    short.click()
    page.get_by_role("button", name="Not in the bin").click()
    expect(flash).to_have_text("Short pick stored: 0 of 2")
    until_sent(page, 1)
    (stored,) = [e["movement"] for e in sent_log(page)["sent"]]
    assert (stored["kind"], stored["qty"], stored["to"], stored["ref"]["task"], stored["note"]) == (
        "count", 0, task["location"], task["id"], "short: not found")  # fmt: skip
    served = api.get(f"{url}/api/pick-lists/{pick_list['number']}").json()
    assert [t["status"] for t in served["tasks"] if t["id"] == task["id"]] == ["done"]
    context.close()
    sup.close()
