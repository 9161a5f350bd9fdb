"""Put-backs on the floor app: a picked order is cancelled, the picker's device
gets the put-back task, and putting the units back (offline) posts once, from
the tote into the bin they came from."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect
from pwa_helpers import (
    PHONE,
    fits,
    location_barcode,
    make_pick_list,
    on_hand,
    open_app,
    scan,
    sent_log,
    shot,
    stocked_items,
    supervisor,
    sync_now,
    until_true,
    wait_synced,
)

if TYPE_CHECKING:
    from conftest import LiveServer

TASKS = "window.shelfsync.db.all('tasks')"


def test_a_cancelled_orders_units_are_put_back_offline(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    url, db = live_server.url, live_server.db
    (item,) = stocked_items(db, 1, skip=60)
    _, api = supervisor(signed_in)
    pick_list = make_pick_list(api, url, [item], qty=3)
    (task,) = pick_list["tasks"]
    in_bin = on_hand(api, url, item["sku"], task["location"])

    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, f"pick/{pick_list['number']}")
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
    (putback,) = [t for t in page.evaluate(TASKS) if t["kind"] == "putback"]
    assert (putback["location"], putback["to"], putback["qty"]) == (
        task["tote"], task["location"], 3)  # fmt: skip
    page.goto(f"{url}/app#pick")
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(page.locator("#putbacks")).to_contain_text("Put back · 1")
    page.locator("#putbacks").click()
    expect(page.locator(".task")).to_have_attribute("data-task", putback["id"])
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
