"""What a hurried person does on the floor app, in a real Chromium.

A tote scanned before the whole quantity is picked stores what was picked
and keeps the line open, as the server does; a tote scan with nothing picked
stores nothing.  A double tap on Confirm or Submit count stores one
movement.  A line scanned into a count by mistake can be removed.  A reload
in the middle of a move goes on with the move.  Look up adds what has not
been sent yet, in places the server has no stock row for too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import Page, expect
from pwa_helpers import (
    app_page,
    location_barcode,
    on_hand,
    one_line_list,
    pending,
    scan,
    sent_log,
    stocked_items,
    supervisor,
    until_sent,
    wait_synced,
)

if TYPE_CHECKING:
    from conftest import LiveServer


def _stored(page: Page) -> list[dict[str, Any]]:
    """Every movement this device stored, sent or not, in seq order."""
    log = sent_log(page)
    return sorted((e["movement"] | {"seq": e["seq"]} for e in log["sent"] + log["outbox"]),
                  key=lambda m: m["seq"])  # fmt: skip


def test_a_tote_scanned_before_the_rest_keeps_the_line_open_for_the_rest(
    signed_in: Any, live_server: LiveServer
) -> None:
    url, db = live_server.url, live_server.db
    sup, api, item, pick_list, task = one_line_list(signed_in, url, db, skip=100, qty=3)
    context, page = app_page(signed_in, url, f"pick/{pick_list['number']}")
    tote = location_barcode(db, task["tote"])

    scan(page, location_barcode(db, task["location"]))
    scan(page, tote)  # nothing picked yet: refused
    expect(page.locator("#flash")).to_contain_text("Nothing picked yet")
    scan(page, item["ean"])
    scan(page, tote)  # one of three into the tote
    expect(page.locator("#flash")).to_contain_text(f"Picked 1 × {item['sku']}: 2 more to pick")
    card = page.locator(".task")
    expect(card).to_have_attribute("data-task", task["id"])
    expect(card.locator(".want")).to_have_text("2")
    expect(page.locator("#picked-before")).to_have_text("1 of 3 picked already")
    until_sent(page, 1)
    assert [m["qty"] for m in _stored(page)] == [1]
    served = api.get(f"{url}/api/pick-lists/{pick_list['number']}").json()
    assert [t["status"] for t in served["tasks"]] == ["open"]  # the server agrees

    scan(page, item["ean"])
    scan(page, item["ean"])
    expect(page.locator("#prompt")).to_have_text(f"Scan tote {task['tote']}")
    scan(page, tote)
    expect(page.locator("#list-done")).to_be_visible()
    until_sent(page, 2)
    assert [m["qty"] for m in _stored(page)] == [1, 2]
    served = api.get(f"{url}/api/pick-lists/{pick_list['number']}").json()
    assert served["status"] == "done" and [t["status"] for t in served["tasks"]] == ["done"]
    context.close()
    sup.close()


def test_a_double_tap_on_confirm_or_submit_stores_one_movement(
    signed_in: Any, live_server: LiveServer
) -> None:
    url, db = live_server.url, live_server.db
    sup, _, first, pick_list, task = one_line_list(signed_in, url, db, skip=101, qty=2)
    (second,) = stocked_items(db, 1, skip=102)
    context, page = app_page(signed_in, url, f"pick/{pick_list['number']}")
    context.set_offline(True)  # what is stored, not what is sent, is the question

    scan(page, location_barcode(db, task["location"]))
    scan(page, first["ean"])
    scan(page, first["ean"])
    page.locator("#confirm-pick").dblclick()
    expect(page.locator("#list-done")).to_be_visible()

    page.goto(f"{url}/app#count")
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    page.locator("#free-count").click()
    scan(page, second["bin_barcode"])
    scan(page, second["ean"])
    page.locator("#submit-count").dblclick()
    expect(page.locator("#free-count")).to_be_visible()
    page.wait_for_timeout(500)  # a second movement, had one been stored, would be by now
    stored = _stored(page)
    assert [(m["kind"], m["item"], m["qty"]) for m in stored] == [
        ("pick", first["sku"], 2), ("count", second["sku"], 1)]  # fmt: skip
    context.close()
    sup.close()


def test_a_line_scanned_into_a_count_by_mistake_can_be_removed(
    signed_in: Any, live_server: LiveServer
) -> None:
    url, db = live_server.url, live_server.db
    counted, stray = stocked_items(db, 2, skip=103)
    context, page = app_page(signed_in, url, "count", user="counter")
    context.set_offline(True)
    page.locator("#free-count").click()
    scan(page, counted["bin_barcode"])
    scan(page, counted["ean"])
    scan(page, stray["ean"])
    expect(page.locator(".line")).to_have_count(2)
    page.get_by_role("button", name=f"Remove {stray['sku']}").click()
    expect(page.locator(".line")).to_have_count(1)
    expect(page.locator("#flash")).to_contain_text(f"{stray['sku']} removed")
    page.reload()  # the draft was saved without it
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(page.locator(".line")).to_have_count(1)
    page.locator("#submit-count").click()
    expect(page.locator("#pending")).to_have_text("1 to send")
    assert [(m["kind"], m["item"]) for m in _stored(page)] == [("count", counted["sku"])]
    context.close()


def test_a_reload_in_the_middle_of_a_move_goes_on_with_the_move(
    signed_in: Any, live_server: LiveServer
) -> None:
    url, db = live_server.url, live_server.db
    (item,) = stocked_items(db, 1, skip=105)
    context, page = app_page(signed_in, url, "receive")
    context.set_offline(True)
    page.locator("#mode-move").click()
    scan(page, item["bin_barcode"])
    scan(page, item["ean"])
    expect(page.locator("#prompt")).to_have_text("Scan where 1 go")

    page.reload()
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(page.locator("#mode-move")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#prompt")).to_have_text("Scan where 1 go")
    scan(page, item["ean"])  # the same item again: the move counts up, no receipt
    expect(page.locator("#flash")).to_contain_text(f"2 × {item['sku']}: scan where they go")
    assert pending(page) == 0
    to = "B-01-01" if item["bin"] != "B-01-01" else "B-01-02"
    scan(page, location_barcode(db, to))
    expect(page.locator("#pending")).to_have_text("1 to send")
    (moved,) = _stored(page)
    assert (moved["kind"], moved["from"], moved["to"], moved["qty"]) == (
        "transfer", item["bin"], to, 2)  # fmt: skip
    context.close()


def _two_received_offline_then_look_up(
    signed_in: Any, live_server: LiveServer, item: dict[str, Any]
) -> tuple[Any, Page]:
    """Offline, two of ``item`` received at DOCK-2, then the Look up screen."""
    url, db = live_server.url, live_server.db
    context, page = app_page(signed_in, url, "receive")
    context.set_offline(True)
    scan(page, location_barcode(db, "DOCK-2"))
    scan(page, item["ean"])
    scan(page, item["ean"])
    expect(page.locator("#pending")).to_have_text("2 to send")
    page.goto(f"{url}/app#lookup")
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    return context, page


def test_look_up_adds_what_is_not_sent_in_places_without_server_stock(
    signed_in: Any, live_server: LiveServer
) -> None:
    url, db = live_server.url, live_server.db
    (item,) = stocked_items(db, 1, skip=106)
    sup, api = supervisor(signed_in)
    rows = [r for r in api.get(f"{url}/api/stock", params={"item": item["sku"]}).json()["stock"]
            if r["on_hand"] != 0 and r["location"] != "DOCK-2"]  # fmt: skip
    context, page = _two_received_offline_then_look_up(signed_in, live_server, item)
    scan(page, item["ean"])
    result = page.locator("#lookup-result")
    dock = result.locator("tr", has_text="DOCK-2")
    expect(dock).to_contain_text("(+2 not synced)")
    expect(result.locator("tr", has_text=item["bin"])).to_contain_text(str(item["on_hand"]))
    total = sum(r["on_hand"] for r in rows) + 2
    expect(result).to_contain_text(f"{total} ")
    expect(result).to_contain_text(f"in {len(rows) + 1} places (+2 not synced)")

    scan(page, location_barcode(db, "DOCK-2"))
    expect(result.locator("tr", has_text=item["sku"])).to_contain_text("(+2 not synced)")
    context.close()
    sup.close()


def test_look_up_is_drawn_again_after_a_sync_and_counts_a_sent_movement_once(
    signed_in: Any, live_server: LiveServer
) -> None:
    url, db = live_server.url, live_server.db
    (item,) = stocked_items(db, 1, skip=107)
    sup, api = supervisor(signed_in)
    dock_before = on_hand(api, url, item["sku"], "DOCK-2")
    context, page = _two_received_offline_then_look_up(signed_in, live_server, item)
    scan(page, location_barcode(db, "DOCK-2"))
    row = page.locator("#lookup-result tr", has_text=item["sku"])
    expect(row).to_contain_text(f"{dock_before + 2} (+2 not synced)")

    # sent, but the pull after it fails: the stock copy is older than the receipts
    context.route("**/api/sync/pull", lambda route: route.abort())
    context.set_offline(False)
    until_sent(page, 2)
    scan(page, item["ean"])  # the item's view now: a drawing of its own
    at_dock = page.locator("#lookup-result tr", has_text="DOCK-2")
    expect(page.locator("#lookup-result h2")).to_contain_text(item["sku"])
    expect(at_dock).to_contain_text(f"{dock_before + 2} (+2 not synced)")

    context.unroute("**/api/sync/pull")  # the next sync pulls: drawn again, no scan needed
    page.evaluate("shelfsync.sync.sync('test', {force: true})")
    wait_synced(page)
    assert on_hand(api, url, item["sku"], "DOCK-2") == dock_before + 2
    # the pulled stock holds the two receipts: they are not added again
    expect(at_dock.locator("td.num")).to_have_text(str(dock_before + 2))
    expect(page.locator("#lookup-result")).not_to_contain_text("not synced")
    context.close()
    sup.close()
