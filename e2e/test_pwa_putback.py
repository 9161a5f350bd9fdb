"""Put-backs on the floor app: a picked order is cancelled, the picker's device
gets the put-back task, and putting the units back (offline) posts once, from
the tote into the bin they came from.  The "Taken" control does not skip the
scan of where the units wait: before it, "+" or a typed quantity is refused as
an item scanned there is; after it, each is said as a scan is, and more than
is left is refused as a scan beyond it is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import APIRequestContext, Page, expect
from pwa_helpers import (
    app_page,
    fits,
    location_barcode,
    on_hand,
    one_line_list,
    scan,
    sent_log,
    shot,
    sync_now,
    until_true,
    wait_synced,
)

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import LiveServer

TASKS = "window.shelfsync.db.all('tasks')"


def _put_back_waiting(
    page: Page, api: APIRequestContext, url: str, db: Path, item: dict[str, Any],
    task: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    """On the pick screen of ``task``'s list (3 units): pick them all into the
    tote, cancel the order, and open the put-back task it gets; returns it."""
    expect(page.locator(".task")).to_have_attribute("data-task", task["id"])
    scan(page, location_barcode(db, task["location"]))
    for _ in range(3):
        scan(page, item["ean"])
    scan(page, location_barcode(db, task["tote"]))
    expect(page.locator("#list-done")).to_be_visible()
    wait_synced(page)
    assert on_hand(api, url, item["sku"], task["tote"]) == 3

    # the order is cancelled after the pick: its units wait in the tote
    number = task["order_line"].rsplit("/", 1)[0]
    cancelled = api.post(f"{url}/api/orders/{number}/cancel", data={"reason": "customer called"})
    assert cancelled.ok, cancelled.text()
    sync_now(page)
    wait_synced(page)
    (putback,) = [t for t in page.evaluate(TASKS)
                  if t["kind"] == "putback" and t["order_line"] == task["order_line"]]  # fmt: skip
    assert (putback["location"], putback["to"], putback["qty"]) == (
        task["tote"], task["location"], 3)  # fmt: skip
    page.goto(f"{url}/app#pick")
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(page.locator("#putbacks")).to_contain_text("Put back · 1")
    page.locator("#putbacks").click()
    expect(page.locator(".task")).to_have_attribute("data-task", putback["id"])
    return putback


def test_a_cancelled_orders_units_are_put_back_offline(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    url, db = live_server.url, live_server.db
    _, api, item, pick_list, task = one_line_list(signed_in, url, db, skip=60, qty=3)
    in_bin = on_hand(api, url, item["sku"], task["location"])
    context, page = app_page(signed_in, url, f"pick/{pick_list['number']}")
    putback = _put_back_waiting(page, api, url, db, item, task)
    fits(page, request.config.rootpath, "phone-360-putback")

    context.set_offline(True)
    scan(page, location_barcode(db, task["location"]))  # the bin first: not where they wait
    expect(page.locator("#flash")).to_contain_text("Wrong place")
    scan(page, location_barcode(db, task["tote"]))
    expect(page.locator("#flash")).to_contain_text("scan the item")
    scan(page, "NO-SUCH-PUTBACK-CODE")  # stored and sent as scanned, not counted
    expect(page.locator("#flash")).to_contain_text("Unknown code NO-SUCH-PUTBACK-CODE")
    for _ in range(2):
        scan(page, item["ean"])
    expect(page.locator("#prompt")).to_contain_text("Scan the item")
    scan(page, item["ean"])
    expect(page.locator("#prompt")).to_contain_text(f"Scan bin {task['location']}")
    scan(page, item["ean"])  # a fourth: there are only three
    expect(page.locator("#flash")).to_contain_text("Only 3 to put back")
    scan(page, location_barcode(db, task["location"]))
    expect(page.locator("#flash")).to_contain_text(f"Put back 3 × {item['sku']}")
    expect(page.locator("#putback-done")).to_be_visible()
    shot(page, request.config.rootpath, "putback-offline-done")
    page.reload()  # offline: the put-back is stored, and no longer asked for
    expect(page.locator("#putback-done")).to_be_visible()
    page.locator("a", has_text="Pick lists").click()
    expect(page.get_by_role("heading", name="Pick lists")).to_be_visible()
    expect(page.locator("#putbacks")).to_have_count(0)

    context.set_offline(False)
    sync_now(page)
    wait_synced(page)
    putaways = [e for e in sent_log(page)["sent"] if e["movement"]["kind"] == "putaway"]
    unknown, stored = sorted(putaways, key=lambda e: e["seq"])
    assert (unknown["movement"]["item"], unknown["outcome"], unknown["code"]) == (
        "NO-SUCH-PUTBACK-CODE", "held", "UNKNOWN_ITEM")  # fmt: skip
    assert (stored["outcome"], stored["movement"]["qty"]) == ("applied", 3)
    assert stored["movement"]["ref"]["task"] == putback["id"]
    assert on_hand(api, url, item["sku"], task["tote"]) == 0
    assert on_hand(api, url, item["sku"], task["location"]) == in_bin
    sync_now(page)  # the next pull tells the device the task is done
    until_true(page, f"(id) => {TASKS}.then((all) => all.some((t) => t.id === id"
                     " && t.status === 'done'))", putback["id"])  # fmt: skip
    context.close()


def test_taken_is_refused_and_said_as_an_item_scan_is(
    signed_in: Any, live_server: LiveServer
) -> None:
    url, db = live_server.url, live_server.db
    sup, api, item, pick_list, task = one_line_list(signed_in, url, db, skip=114, qty=3)
    in_bin = on_hand(api, url, item["sku"], task["location"])
    context, page = app_page(signed_in, url, f"pick/{pick_list['number']}")
    putback = _put_back_waiting(page, api, url, db, item, task)
    card, flash = page.locator(".task"), page.locator("#flash")
    taken, plus = card.locator(".qty-input"), page.get_by_role("button", name="Taken plus one")
    refusal = f"Scan {task['tote']} first"
    expect(page.locator("#prompt")).to_have_text(f"Scan {task['tote']}")

    # before the tote is scanned: "+" is refused as an item scan is, nothing is taken
    scan(page, item["ean"])
    expect(flash).to_have_text(refusal)
    for _ in range(3):
        plus.click()
    expect(flash).to_have_text(refusal)
    expect(flash).to_have_attribute("data-kind", "warn")
    expect(card).to_have_attribute("data-step", "from")
    expect(page.locator("#prompt")).to_have_text(f"Scan {task['tote']}")
    expect(taken).to_have_value("0")
    # typing the quantity is the same path
    taken.fill("3")
    taken.press("Tab")
    expect(flash).to_have_text(refusal)
    expect(taken).to_have_value("0")
    expect(card).to_have_attribute("data-step", "from")

    # the bin now is where the tote is expected: a wrong place, nothing stored
    scan(page, location_barcode(db, task["location"]))
    expect(flash).to_have_text(f"Wrong place: {task['location']}. The units wait in {task['tote']}")
    expect(flash).to_have_attribute("data-kind", "bad")
    page.reload()  # the refused taps left nothing in the draft either
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(card).to_have_attribute("data-step", "from")
    expect(taken).to_have_value("0")
    log = sent_log(page)
    assert [e for e in log["sent"] + log["outbox"] if e["movement"]["kind"] == "putaway"] == []
    assert on_hand(api, url, item["sku"], task["tote"]) == 3

    # the tote scanned: now the same "+" takes, and the bin stores the put-back
    scan(page, location_barcode(db, task["tote"]))
    expect(flash).to_have_text(f"{task['tote']}: scan the item")
    expect(card).to_have_attribute("data-step", "item")
    for n in ("1", "2"):  # each tap is said, as a scan of the item is
        plus.click()
        expect(taken).to_have_value(n)
        expect(flash).to_have_text(f"{n} of 3: scan the next")
        expect(flash).to_have_attribute("data-kind", "good")
    # more than is left is refused, as a scan beyond it is: what was taken stays
    over = f"Only 3 to put back: scan bin {task['location']}"
    taken.fill("5")
    taken.press("Tab")
    expect(flash).to_have_text(over)
    expect(flash).to_have_attribute("data-kind", "warn")
    expect(taken).to_have_value("2")
    expect(card).to_have_attribute("data-step", "item")
    plus.click()
    expect(flash).to_have_text(f"3 of 3: scan bin {task['location']}")
    expect(page.locator("#prompt")).to_have_text(f"Scan bin {task['location']}")
    plus.click()
    expect(flash).to_have_text(over)
    expect(taken).to_have_value("3")
    scan(page, location_barcode(db, task["location"]))
    expect(flash).to_have_text(f"Put back 3 × {item['sku']} in {task['location']}")
    expect(page.locator("#putback-done")).to_be_visible()
    sync_now(page)
    wait_synced(page)
    (stored,) = [e for e in sent_log(page)["sent"] if e["movement"]["kind"] == "putaway"]
    moved = stored["movement"]
    assert (stored["outcome"], moved["from"], moved["to"], moved["qty"], moved["ref"]["task"]) == (
        "applied", task["tote"], task["location"], 3, putback["id"])  # fmt: skip
    assert on_hand(api, url, item["sku"], task["tote"]) == 0
    assert on_hand(api, url, item["sku"], task["location"]) == in_bin
    context.close()
    sup.close()
