"""The picker's list, worked offline in a real Chromium, then synced.

Load online, go offline, pick three lines by typing into the scan field and
pressing Enter (bin, item, tote), reload while offline (state and outbox
intact), back online: synced, and the server's stock and movements say so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Page, expect
from pwa_helpers import (
    PHONE,
    location_barcode,
    make_pick_list,
    on_hand,
    open_app,
    scan,
    sent_log,
    shot,
    stocked_items,
    supervisor,
    wait_synced,
)

if TYPE_CHECKING:
    from conftest import LiveServer


def _pick_line(page: Page, server: LiveServer, task: dict) -> None:
    scan(page, location_barcode(server.db, task["location"]))
    expect(page.locator("#flash")).to_contain_text("scan the item")
    for _ in range(task["qty"]):
        scan(page, task["ean"])
    expect(page.locator("#prompt")).to_contain_text(f"Scan tote {task['tote']}")
    scan(page, location_barcode(server.db, task["tote"]))


def test_offline_pick_list_survives_a_reload_and_syncs_once(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    url = live_server.url
    items = stocked_items(live_server.db, 3)
    sup, api = supervisor(signed_in)
    before = {i["sku"]: on_hand(api, url, i["sku"], i["bin"]) for i in items}
    pick_list = make_pick_list(api, url, items)
    eans = {i["sku"]: i["ean"] for i in items}
    tasks = [{**t, "ean": eans[t["item"]]} for t in pick_list["tasks"]]
    assert len(tasks) == 3

    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, f"pick/{pick_list['number']}")
    expect(page.locator(".task")).to_have_attribute("data-task", tasks[0]["id"])

    context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Offline")
    # a wrong bin first: warned, nothing stored
    scan(page, location_barcode(live_server.db, "DOCK-1"))
    expect(page.locator("#flash")).to_contain_text("Wrong bin")
    for task in tasks[:2]:
        _pick_line(page, live_server, task)
    # the last line is short: one unit found, the other damaged
    last = tasks[2]
    scan(page, location_barcode(live_server.db, last["location"]))
    scan(page, tasks[0]["ean"])  # another item's code: warned, not counted
    expect(page.locator("#flash")).to_contain_text("Wrong item")
    scan(page, last["ean"])
    expect(page.locator(".task .qty-input")).to_have_value("1")
    page.locator("#short-pick").click()
    page.get_by_role("button", name="Damaged").click()
    expect(page.locator("#list-done")).to_be_visible()
    expect(page.locator("#pending")).to_have_text("3 to send")
    shot(page, request.config.rootpath, "pick-offline-done")

    page.reload()  # offline: the service worker serves the shell, storage keeps the rest
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(page.locator("#list-done")).to_be_visible()
    # the count is drawn once the app has read its storage, after it is ready
    expect(page.locator("#pending")).to_have_text("3 to send")
    outbox = sent_log(page)["outbox"]
    assert [e["seq"] for e in outbox] == [1, 2, 3]
    ids = [e["id"] for e in outbox]
    assert [e["movement"]["qty"] for e in outbox] == [tasks[0]["qty"], tasks[1]["qty"], 1]
    assert outbox[2]["movement"]["note"] == "short: damaged"
    assert all(e["id"][14] == "7" for e in outbox)  # UUIDv7

    context.set_offline(False)
    wait_synced(page)
    log = sent_log(page)
    assert log["outbox"] == []
    assert sorted(e["id"] for e in log["sent"]) == sorted(ids)
    for movement_id in ids:
        stored = api.get(f"{url}/api/movements/{movement_id}")
        assert stored.ok, stored.text()
        body = stored.json()
        assert body["outcome"] == "applied", body
        assert body["kind"] == "pick"
    for task, picked in zip(tasks, [tasks[0]["qty"], tasks[1]["qty"], 1], strict=True):
        now = on_hand(api, url, task["item"], task["location"])
        assert now == before[task["item"]] - picked
    order = api.get(f"{url}/api/orders/{tasks[0]['order_line'].split('/')[0]}").json()
    assert order["status"] == "picking"  # one line is short
    context.close()
    sup.close()


def test_exactly_once_when_the_response_is_lost_and_the_flush_runs_twice(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    items = stocked_items(live_server.db, 1, skip=5)
    sup, api = supervisor(signed_in)
    item = items[0]
    before = on_hand(api, url, item["sku"], item["bin"])
    pick_list = make_pick_list(api, url, items, qty=3)
    (task,) = pick_list["tasks"]

    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, f"pick/{pick_list['number']}")
    second = context.new_page()  # a second tab flushes the same outbox
    second.goto(f"{url}/app#lookup")
    second.wait_for_function("window.shelfsync && window.shelfsync.ready")

    reached = []

    def drop_first_answer(route):  # type: ignore[no-untyped-def]
        if not reached:
            reached.append(route.fetch())  # the server got it and answered...
            route.abort()  # ...and the answer is lost
        else:
            route.continue_()

    # for both tabs: Background Sync wakes every tab, either may push first
    context.route("**/api/sync/push", drop_first_answer)
    _pick_line(page, live_server, {**task, "ean": item["ean"]})
    for _ in range(150):
        if reached:
            break
        page.wait_for_timeout(100)
    assert reached and reached[0].status == 200  # the server had it; the device never heard
    context.unroute("**/api/sync/push")
    # both tabs flush at once, twice each
    page.evaluate(
        "Promise.all([shelfsync.sync.sync('a', {force: true}),"
        " shelfsync.sync.sync('b', {force: true})])"
    )
    second.evaluate("shelfsync.sync.sync('c', {force: true})")
    wait_synced(page)
    (entry,) = sent_log(page)["sent"]
    assert entry["replayed"] is True  # acknowledged by the resend's replay...
    stored = api.get(f"{url}/api/movements/{entry['id']}").json()
    assert stored["outcome"] == "applied"
    assert on_hand(api, url, item["sku"], item["bin"]) == before - 3  # ...and posted once
    context.close()
    sup.close()
