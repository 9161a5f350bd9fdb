"""The picker in a real Chromium: an unknown code is recorded and held on the
server, a short pick of nothing (the bin is empty) reaches the server and
backorders the line, and a list reassigned to someone else leaves the old
picker's device while what was already picked still posts."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from playwright.sync_api import Page, expect
from pwa_helpers import (
    app_page,
    location_barcode,
    make_pick_list,
    on_hand,
    pending,
    scan,
    sent_log,
    stocked_items,
    supervisor,
    sync_now,
    wait_synced,
)

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import LiveServer

UNKNOWN = "2000000000015"  # a valid EAN-13 no demo item has


def _only_in_one_bin(db: Path, skip: int) -> dict[str, Any]:
    """An untracked item whose whole stock is in one pick bin (nothing to allocate again from)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT i.sku, b.code, min(l.code), count(*) FROM stock s"
            " JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id"
            " JOIN item_barcodes b ON b.item_id = i.id AND b.pack_qty = 1"
            " WHERE l.kind IN ('pick', 'reserve') AND s.on_hand > 0 AND i.tracking = 'none'"
            " GROUP BY i.id HAVING count(*) = 1 AND min(l.kind) = 'pick' AND sum(s.on_hand) >= 10"
            " ORDER BY i.sku DESC LIMIT 1 OFFSET ?",
            (skip,),
        ).fetchone()
    finally:
        conn.close()
    assert row is not None
    return {"sku": row[0], "ean": row[1], "bin": row[2]}


def _open_list(page: Page, number: str) -> None:
    page.locator(f"[data-list='{number}']").click()
    expect(page.locator(".task")).to_be_visible()


def test_an_unknown_code_while_picking_is_held_on_the_server(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    [item] = stocked_items(live_server.db, 1, skip=80)
    sup, api = supervisor(signed_in)
    pick_list = make_pick_list(api, url, [item], qty=2)
    [task] = pick_list["tasks"]
    context, page = app_page(signed_in, url, "pick")
    _open_list(page, pick_list["number"])
    context.set_offline(True)
    scan(page, location_barcode(live_server.db, task["location"]))
    scan(page, UNKNOWN)
    expect(page.locator("#flash")).to_contain_text(f"Unknown code {UNKNOWN}: sent to a supervisor")
    expect(page.locator("#flash")).to_have_attribute("data-kind", "warn")
    expect(page.locator("#pending")).to_have_text("1 to send")
    # the task goes on where it was: the unknown scan did not count
    expect(page.locator(".task")).to_have_attribute("data-step", "item")
    expect(page.locator(".task .qty-input")).to_have_value("0")
    scan(page, item["ean"])
    scan(page, item["ean"])
    scan(page, location_barcode(live_server.db, task["tote"]))
    expect(page.locator("#list-done")).to_be_visible()
    outbox = sent_log(page)["outbox"]
    # sent as scanned (a GTIN in its 14-digit form), one unit, naming the task
    assert [(e["movement"]["item"], e["movement"]["qty"]) for e in outbox] == [
        ("0" + UNKNOWN, 1), (item["sku"], 2)]  # fmt: skip
    assert outbox[0]["movement"]["ref"]["task"] == task["id"]
    context.set_offline(False)
    wait_synced(page)
    unknown, picked = (api.get(f"{url}/api/movements/{e['id']}").json() for e in outbox)
    assert (unknown["outcome"], unknown["code"]) == ("held", "UNKNOWN_ITEM")
    assert unknown["ledger"] == []  # held: no stock moved
    assert picked["outcome"] == "applied"
    inbox = api.get(f"{url}/api/conflicts", params={"code": "UNKNOWN_ITEM"}).json()["conflicts"]
    assert unknown["id"] in {c["movement"] for c in inbox}  # in the supervisor's inbox
    context.close()
    sup.close()


def test_a_short_pick_of_nothing_reaches_the_server_and_backorders(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    item = _only_in_one_bin(live_server.db, 0)
    sup, api = supervisor(signed_in)
    before = on_hand(api, url, item["sku"], item["bin"])
    pick_list = make_pick_list(api, url, [{**item, "on_hand": before}], qty=3)
    [task] = pick_list["tasks"]
    order = task["order_line"].split("/")[0]
    context, page = app_page(signed_in, url, "pick")
    _open_list(page, pick_list["number"])
    context.set_offline(True)
    scan(page, location_barcode(live_server.db, task["location"]))
    page.locator("#short-pick").click()
    page.get_by_role("button", name="Not in the bin").click()
    expect(page.locator("#list-done")).to_be_visible()
    expect(page.locator("#pending")).to_have_text("1 to send")
    [entry] = sent_log(page)["outbox"]
    sent = entry["movement"]
    assert (sent["kind"], sent["qty"], sent["to"], sent["ref"]["task"], sent["note"]) == (
        "count", 0, task["location"], task["id"], "short: not found")  # fmt: skip
    page.reload()  # the list stays done offline
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(page.locator("#list-done")).to_be_visible()
    context.set_offline(False)
    wait_synced(page)
    stored = api.get(f"{url}/api/movements/{entry['id']}").json()
    assert "SHORT_PICK" in [c["code"] for c in stored["conflicts"]]
    now = api.get(f"{url}/api/orders/{order}").json()
    assert now["status"] == "backordered"
    assert now["lines"][0]["reserved"] == 0
    listed = api.get(f"{url}/api/pick-lists/{pick_list['number']}").json()
    assert [t["status"] for t in listed["tasks"]] == ["done"]
    assert pending(page) == 0
    context.close()
    sup.close()


def test_a_reassigned_list_leaves_the_old_pickers_device(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    items = stocked_items(live_server.db, 2, skip=85)
    sup, api = supervisor(signed_in)
    before = on_hand(api, url, items[0]["sku"], items[0]["bin"])
    pick_list = make_pick_list(api, url, items, qty=1)
    number = pick_list["number"]
    first = pick_list["tasks"][0]
    eans = {i["sku"]: i["ean"] for i in items}
    context, page = app_page(signed_in, url, "pick")
    _open_list(page, number)
    context.set_offline(True)
    scan(page, location_barcode(live_server.db, first["location"]))
    scan(page, eans[first["item"]])
    scan(page, location_barcode(live_server.db, first["tote"]))
    expect(page.locator("#pending")).to_have_text("1 to send")
    given = api.post(f"{url}/api/pick-lists/{number}/assign", data={"username": "counter"})
    assert given.ok, given.text()
    context.set_offline(False)
    wait_synced(page)
    sync_now(page)
    note = page.locator(f"[data-gone='{number}']")
    expect(note).to_contain_text(f"{number} was reassigned to counter")
    expect(page.locator(".task")).to_have_count(0)
    # what was picked before still posted, against its task
    [entry] = sent_log(page)["sent"]
    assert api.get(f"{url}/api/movements/{entry['id']}").json()["outcome"] == "applied"
    assert on_hand(api, url, first["item"], first["location"]) == before - 1
    note.get_by_role("button", name="OK").click()
    expect(page.locator(f"[data-list='{number}']")).to_have_count(0)
    expect(note).to_have_count(0)
    page.reload()
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(page.locator("h1")).to_have_text("Pick lists")
    expect(page.locator(f"[data-list='{number}'], [data-gone='{number}']")).to_have_count(0)
    # the new picker's device gets it, with the first line done
    other, theirs = app_page(signed_in, url, "pick", user="counter")
    expect(theirs.locator(f"[data-list='{number}']")).to_contain_text("1/2 lines")
    other.close()
    context.close()
    sup.close()
