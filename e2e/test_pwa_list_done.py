"""A finished pick list leaves the picker's work in the floor app: the last pick
syncs, the server marks the list done, and the next pull takes it off the list
of lists (checked on the server through the API too)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect
from pwa_helpers import (
    PHONE,
    location_barcode,
    make_pick_list,
    open_app,
    scan,
    stocked_items,
    supervisor,
    sync_now,
    wait_synced,
)

if TYPE_CHECKING:
    from conftest import LiveServer


def test_a_done_list_leaves_the_pickers_lists(signed_in: Any, live_server: LiveServer) -> None:
    url = live_server.url
    [item] = stocked_items(live_server.db, 1, skip=9)
    sup, api = supervisor(signed_in)
    pick_list = make_pick_list(api, url, [item], qty=1)
    [task] = pick_list["tasks"]

    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "pick")
    listed = page.locator(f'a[data-list="{pick_list["number"]}"]')
    expect(listed).to_be_visible()
    listed.click()
    scan(page, location_barcode(live_server.db, task["location"]))
    scan(page, item["ean"])
    scan(page, location_barcode(live_server.db, task["tote"]))
    expect(page.locator("#list-done")).to_be_visible()
    wait_synced(page)
    sync_now(page)  # the pull after the push brings the list's new state
    wait_synced(page)

    answer = api.get(f"{url}/api/pick-lists/{pick_list['number']}").json()
    assert answer["status"] == "done" and answer["done_at"]
    page.goto(f"{url}/app#pick")
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(page.get_by_role("heading", name="Pick lists")).to_be_visible()
    expect(listed).to_have_count(0)
    stored = page.evaluate(f"window.shelfsync.db.get('tasks', '{task['id']}')")
    assert (stored["status"], stored["list_status"]) == ("done", "done")
    context.close()
    sup.close()
