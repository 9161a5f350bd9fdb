"""Counting and receiving in the floor app, offline, in a real Chromium.

A blind count of a count task (the expected quantity is never on the screen),
receive and put away and transfer, and an unknown barcode that is kept, sent
and held on the server for a supervisor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect
from pwa_helpers import (
    PHONE,
    location_barcode,
    on_hand,
    open_app,
    pending,
    scan,
    sent_log,
    shot,
    stocked_items,
    supervisor,
    wait_synced,
)

if TYPE_CHECKING:
    from conftest import LiveServer


def test_offline_blind_count_of_a_count_task(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    url = live_server.url
    (item,) = stocked_items(live_server.db, 1, skip=12)
    sup, api = supervisor(signed_in)
    book = on_hand(api, url, item["sku"], item["bin"])
    made = api.post(f"{url}/api/count-tasks", data={"location": item["bin"], "item": item["sku"]})
    assert made.status == 201, made.text()
    task = made.json()

    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "count")
    expect(page.locator(f"[data-task='{task['id']}']")).to_be_visible()
    shot(page, request.config.rootpath, "count-tasks")

    context.set_offline(True)
    scan(page, item["bin_barcode"])  # scanning the bin opens its task
    expect(page.locator("section:not([hidden]) h1")).to_have_text(f"Count {task['id']}")
    counted = book - 1
    for _ in range(3):
        scan(page, item["ean"])  # each scan counts one up...
    line = page.locator(f".line[data-item='{item['sku']}']")
    expect(line.locator(".qty-input")).to_have_value("3")
    line.locator(".qty-input").fill(str(counted - 1))  # ...or the quantity is typed
    line.locator(".qty-input").press("Enter")
    expect(line.locator(".qty-input")).to_have_value(str(counted - 1))
    line.get_by_role("button", name=f"Counted {item['sku']} plus one").click()
    expect(line.locator(".qty-input")).to_have_value(str(counted))
    # blind: the book quantity is nowhere on the screen
    assert page.locator(".expected").count() == 0
    assert "Book" not in page.locator("main").inner_text()
    shot(page, request.config.rootpath, "count-blind")

    page.reload()  # the count in progress is a draft in storage
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(line.locator(".qty-input")).to_have_value(str(counted))
    page.locator("#submit-count").click()
    expect(page.locator("#pending")).to_have_text("1 to send")
    expect(page.locator(f"[data-task='{task['id']}']")).to_have_count(0)

    context.set_offline(False)
    wait_synced(page)
    (entry,) = sent_log(page)["sent"]
    stored = api.get(f"{url}/api/movements/{entry['id']}").json()
    assert stored["kind"] == "count" and stored["outcome"] == "applied", stored
    assert on_hand(api, url, item["sku"], item["bin"]) == counted
    pulled = page.evaluate(f"window.shelfsync.db.get('tasks', '{task['id']}')")
    assert pulled["status"] == "done"
    context.close()
    sup.close()


def test_receive_put_away_transfer_and_an_unknown_barcode(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    url = live_server.url
    first, second = stocked_items(live_server.db, 2, skip=20)
    sup, api = supervisor(signed_in)
    dock = "DOCK-1"
    before = {
        "dock": on_hand(api, url, first["sku"], dock),
        "bin": on_hand(api, url, first["sku"], first["bin"]),
        "other": on_hand(api, url, first["sku"], second["bin"]),
    }

    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "receive")
    context.set_offline(True)

    scan(page, first["bin_barcode"])  # not a receiving location
    expect(page.locator("#flash")).to_contain_text("not a receiving location")
    scan(page, location_barcode(live_server.db, dock))
    for _ in range(4):
        scan(page, first["ean"])
    scan(page, "UNKNOWN-E2E-0001")  # kept and sent, never dropped
    expect(page.locator("#flash")).to_contain_text("Unknown code UNKNOWN-E2E-0001")
    expect(page.locator("#pending")).to_have_text("5 to send")
    shot(page, request.config.rootpath, "receive")

    page.locator("#mode-move").click()
    scan(page, location_barcode(live_server.db, dock))  # put away: from the dock...
    for _ in range(3):
        scan(page, first["ean"])
    expect(page.locator("#prompt")).to_have_text("Scan where 3 go")
    shot(page, request.config.rootpath, "move")
    scan(page, first["bin_barcode"])  # ...into the bin
    scan(page, first["bin_barcode"])  # transfer: from the bin...
    scan(page, first["ean"])
    scan(page, second["bin_barcode"])  # ...to another bin
    scan(page, second["bin_barcode"])  # and one to a bin the catalog does not know
    scan(page, first["ean"])
    scan(page, "BIN-NEW-E2E")
    expect(page.locator("#flash")).to_contain_text("Unknown location BIN-NEW-E2E")
    expect(page.locator("#pending")).to_have_text("8 to send")

    context.set_offline(False)
    wait_synced(page)
    sent = sorted(sent_log(page)["sent"], key=lambda e: e["seq"])
    kinds = ["receive"] * 5 + ["putaway", "transfer", "transfer"]
    assert [e["movement"]["kind"] for e in sent] == kinds
    outcomes = {e["id"]: api.get(f"{url}/api/movements/{e['id']}").json() for e in sent}
    unknown = outcomes[sent[4]["id"]]
    assert unknown["outcome"] == "held"
    assert [c["code"] for c in unknown["conflicts"]] == ["UNKNOWN_ITEM"]
    nowhere = outcomes[sent[7]["id"]]
    assert nowhere["outcome"] == "held"
    assert [c["code"] for c in nowhere["conflicts"]] == ["UNKNOWN_LOCATION"]
    assert all(outcomes[e["id"]]["outcome"] == "applied" for e in sent[:4] + sent[5:7])
    assert on_hand(api, url, first["sku"], dock) == before["dock"] + 4 - 3
    assert on_hand(api, url, first["sku"], first["bin"]) == before["bin"] + 3 - 1
    assert on_hand(api, url, first["sku"], second["bin"]) == before["other"] + 1
    assert pending(page) == 0
    context.close()
    sup.close()
