"""The Count screen's checks, offline, in a real Chromium.

A task tapped in the list asks for its bin before anything counts (typing the
bin's code does for a label that will not scan) and refuses another bin; a
plain scan of a task's item counts on the task's lot; an item tracked by lot
or serial is never counted without its lot (serial), which the server would
reject; a free count of a bin with an open task counts for that task.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import APIRequestContext, Page, expect
from pwa_helpers import (
    PHONE,
    on_hand,
    open_app,
    pending,
    scan,
    sent_log,
    stocked_items,
    supervisor,
    sync_now,
    until_true,
    wait_synced,
)
from tracked_items import gs1, import_serial_item

if TYPE_CHECKING:
    from conftest import LiveServer

SERIAL_SKU, SERIAL_EAN = "E2E-SER-COUNT", "2900000000018"


def lot_items(db: Path, count: int, skip: int = 0) -> list[dict[str, Any]]:
    """Lot-tracked items in pick bins that hold no untracked stock (so no other
    test counts there), one lot of the item in its bin, one bin each: SKU, unit
    EAN, bin, bin barcode, lot and on hand."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT i.sku, b.code, l.code, l.barcode, s.lot, s.on_hand FROM stock s"
            " JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id"
            " JOIN item_barcodes b ON b.item_id = i.id AND b.pack_qty = 1"
            " WHERE l.kind = 'pick' AND i.tracking = 'lot' AND s.on_hand >= 10"
            " AND NOT EXISTS (SELECT 1 FROM stock o JOIN items oi ON oi.id = o.item_id"
            "  WHERE o.location_id = s.location_id AND oi.tracking = 'none')"
            " AND (SELECT count(*) FROM stock o"
            "  WHERE o.location_id = s.location_id AND o.item_id = s.item_id) = 1"
            " GROUP BY l.id ORDER BY l.pick_seq DESC LIMIT ? OFFSET ?",
            (count, skip),
        ).fetchall()
    finally:
        conn.close()
    assert len(rows) == count, "the demo has too few lot-tracked bins"
    keys = ("sku", "ean", "bin", "bin_barcode", "lot", "on_hand")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def count_task(api: APIRequestContext, url: str, **body: Any) -> dict[str, Any]:
    made = api.post(f"{url}/api/count-tasks", data={**body, "assigned_to": "counter"})
    assert made.status == 201, made.text()
    return dict(made.json())


def type_qty(page: Page, sku: str, qty: int, lot: str = "") -> None:
    # typed as soon as the line is there: a drawing after a scan still being
    # handled carries the typing over (test_pwa_typing_kept.py)
    field = page.locator(f".line[data-item='{sku}'][data-lot='{lot}'] .qty-input")
    field.fill(str(qty))
    field.press("Enter")
    expect(field).to_have_value(str(qty))


def stored_count(page: Page, api: APIRequestContext, url: str, bin_code: str) -> dict[str, Any]:
    """The one count the app sent for ``bin_code``, as the server holds it."""
    (entry,) = [e for e in sent_log(page)["sent"] if e["movement"]["to"] == bin_code]
    stored: dict[str, Any] = api.get(f"{url}/api/movements/{entry['id']}").json()
    return stored


def until_task_done(page: Page, task_id: str) -> None:
    """Until the device has pulled that the server made the task done."""
    sync_now(page)
    until_true(page, "(id) => window.shelfsync.db.get('tasks', id)"
                     ".then((t) => t && t.status === 'done')", task_id)  # fmt: skip


def test_a_tapped_task_asks_for_its_bin_before_anything_counts(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    (item,) = stocked_items(live_server.db, 1, skip=140)
    (other,) = stocked_items(live_server.db, 1, skip=143)  # in another bin
    assert other["bin"] != item["bin"]
    sup, api = supervisor(signed_in)
    book = on_hand(api, url, item["sku"], item["bin"])
    task = count_task(api, url, location=item["bin"], item=item["sku"])

    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "count")
    context.set_offline(True)
    page.locator(f"[data-task='{task['id']}']").click()
    expect(page.locator("#prompt")).to_have_text(f"Scan bin {item['bin']}")
    line = page.locator(f".line[data-item='{item['sku']}']")
    for _ in range(2):
        scan(page, item["ean"])  # not counted: nobody is at the bin yet
        expect(page.locator("#flash")).to_contain_text(f"Scan bin {item['bin']} first")
    expect(line.locator(".qty-input")).to_have_value("0")
    line.get_by_role("button", name=f"Counted {item['sku']} plus one").click()
    expect(page.locator("#flash")).to_contain_text(f"Scan bin {item['bin']} first")
    expect(line.locator(".qty-input")).to_have_value("0")
    page.locator("#submit-count").click()
    expect(page.locator("#flash")).to_contain_text(f"Scan bin {item['bin']} first")
    scan(page, other["bin_barcode"])
    expect(page.locator("#flash")).to_contain_text(f"Wrong bin: {other['bin']}")
    expect(page.locator("#prompt")).to_have_text(f"Scan bin {item['bin']}")
    assert sent_log(page)["outbox"] == [] and pending(page) == 0

    page.reload()  # the draft keeps its bin unscanned
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(page.locator("section:not([hidden]) h1")).to_have_text(f"Count {task['id']}")
    expect(page.locator("#prompt")).to_have_text(f"Scan bin {item['bin']}")
    scan(page, item["ean"])
    expect(page.locator("#flash")).to_contain_text(f"Scan bin {item['bin']} first")
    expect(line.locator(".qty-input")).to_have_value("0")

    scan(page, item["bin"])  # a label that will not scan: its code typed
    expect(page.locator("#prompt")).to_have_text(f"Bin {item['bin']}: scan each item")
    for _ in range(2):
        scan(page, item["ean"])
    expect(line.locator(".qty-input")).to_have_value("2")
    type_qty(page, item["sku"], book)
    page.locator("#submit-count").click()
    expect(page.locator("#pending")).to_have_text("1 to send")

    context.set_offline(False)
    wait_synced(page)
    stored = stored_count(page, api, url, item["bin"])
    assert (stored["outcome"], stored["movement"]["qty"]) == ("applied", book), stored
    assert stored["movement"]["ref"] == {"count_task": task["id"]}
    assert on_hand(api, url, item["sku"], item["bin"]) == book
    until_task_done(page, task["id"])
    context.close()
    sup.close()


def test_a_plain_scan_of_the_task_item_counts_on_the_task_lot(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    (item,) = lot_items(live_server.db, 1, skip=0)
    sup, api = supervisor(signed_in)
    task = count_task(api, url, location=item["bin"], item=item["sku"], lot=item["lot"])

    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "count")
    context.set_offline(True)
    page.locator(f"[data-task='{task['id']}']").click()
    scan(page, item["bin_barcode"])
    for _ in range(2):
        scan(page, item["ean"])  # the EAN alone: no lot in the barcode
    expect(page.locator("#flash")).to_contain_text(f"{item['sku']}: 2")
    lot_line = page.locator(f".line[data-item='{item['sku']}'][data-lot='{item['lot']}']")
    expect(lot_line.locator(".qty-input")).to_have_value("2")
    expect(page.locator(".line")).to_have_count(1)
    type_qty(page, item["sku"], item["on_hand"], lot=item["lot"])
    page.locator("#submit-count").click()
    expect(page.locator("#pending")).to_have_text("1 to send")

    context.set_offline(False)
    wait_synced(page)
    stored = stored_count(page, api, url, item["bin"])
    assert stored["outcome"] == "applied", stored
    assert (stored["movement"]["lot"], stored["movement"]["qty"]) == (item["lot"], item["on_hand"])
    assert on_hand(api, url, item["sku"], item["bin"]) == item["on_hand"]
    until_task_done(page, task["id"])
    context.close()
    sup.close()


@pytest.mark.parametrize("via", ["free count", "task naming no lot"])
def test_a_lot_tracked_item_is_counted_only_with_its_lot(
    signed_in: Any, live_server: LiveServer, via: str
) -> None:
    url = live_server.url
    (item,) = lot_items(live_server.db, 1, skip=1 if via == "free count" else 2)
    sup, api = supervisor(signed_in)
    task = None
    if via == "task naming no lot":
        task = count_task(api, url, location=item["bin"], item=item["sku"])

    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "count")
    context.set_offline(True)
    if task is None:
        page.locator("#free-count").click()
    else:
        page.locator(f"[data-task='{task['id']}']").click()
    scan(page, item["bin_barcode"])
    expect(page.locator("#prompt")).to_have_text(f"Bin {item['bin']}: scan each item")
    expect(page.locator(".line")).to_have_count(0)  # no line without a lot to send
    scan(page, item["ean"])
    expect(page.locator("#flash")).to_contain_text(f"{item['sku']} is tracked by lot")
    expect(page.locator(".line")).to_have_count(0)
    expect(page.locator("#submit-count")).to_be_disabled()

    scan(page, gs1(item["ean"], "10", item["lot"]))  # the lot label: GTIN and lot
    lot_line = page.locator(f".line[data-item='{item['sku']}'][data-lot='{item['lot']}']")
    expect(lot_line.locator(".qty-input")).to_have_value("1")
    type_qty(page, item["sku"], item["on_hand"], lot=item["lot"])
    page.locator("#submit-count").click()
    expect(page.locator("#pending")).to_have_text("1 to send")

    context.set_offline(False)
    wait_synced(page)
    stored = stored_count(page, api, url, item["bin"])
    assert stored["outcome"] == "applied", stored
    assert (stored["movement"]["lot"], stored["movement"]["qty"]) == (item["lot"], item["on_hand"])
    if task is not None:
        until_task_done(page, task["id"])
    context.close()
    sup.close()


def _serial_free_count(
    signed_in: Any, live_server: LiveServer, tmp_path: Path, *, skip: int
) -> tuple[Any, Page, dict[str, Any]]:
    """The serial item imported, and the counter's app offline on a free count
    of a stocked bin: (their context, the page, that bin's stocked item)."""
    import_serial_item(live_server.db, tmp_path, SERIAL_SKU, SERIAL_EAN)
    (bin_of,) = stocked_items(live_server.db, 1, skip=skip)
    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, live_server.url, "count")
    context.set_offline(True)
    page.locator("#free-count").click()
    scan(page, bin_of["bin_barcode"])
    return context, page, bin_of


def test_a_serial_tracked_item_is_counted_only_with_its_serial(
    signed_in: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    url = live_server.url
    sup, api = supervisor(signed_in)
    context, page, bin_of = _serial_free_count(signed_in, live_server, tmp_path, skip=148)
    scan(page, SERIAL_EAN)
    expect(page.locator("#flash")).to_contain_text(f"{SERIAL_SKU} is tracked by serial")
    expect(page.locator(".line")).to_have_count(0)

    scan(page, gs1(SERIAL_EAN, "21", "SN-E2E-1"))
    line = page.locator(f".line[data-item='{SERIAL_SKU}'][data-serial='SN-E2E-1']")
    expect(line.locator(".qty-input")).to_have_value("1")
    expect(line).to_contain_text("serial SN-E2E-1")
    page.locator("#submit-count").click()
    expect(page.locator("#pending")).to_have_text("1 to send")

    context.set_offline(False)
    wait_synced(page)
    stored = stored_count(page, api, url, bin_of["bin"])
    assert stored["outcome"] != "rejected", stored
    assert (stored["movement"]["serial"], stored["movement"]["qty"]) == ("SN-E2E-1", 1)
    context.close()
    sup.close()


def test_a_serial_counts_one_unit_however_often_it_is_scanned(
    signed_in: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    url = live_server.url
    sup, api = supervisor(signed_in)
    context, page, bin_of = _serial_free_count(signed_in, live_server, tmp_path, skip=149)
    flash = page.locator("#flash")
    scan(page, gs1(SERIAL_EAN, "21", "SN-E2E-2"))
    line = page.locator(f".line[data-item='{SERIAL_SKU}'][data-serial='SN-E2E-2']")
    expect(line.locator(".qty-input")).to_have_value("1")

    scan(page, gs1(SERIAL_EAN, "21", "SN-E2E-2"))  # the same unit, scanned again
    expect(flash).to_have_text("Serial SN-E2E-2 is counted already: one unit each")
    expect(line.locator(".qty-input")).to_have_value("1")
    line.get_by_role("button", name=f"Counted {SERIAL_SKU} plus one").click()
    expect(flash).to_have_text("Serial SN-E2E-2 is one unit: scan each other serial")
    expect(line.locator(".qty-input")).to_have_value("1")
    scan(page, gs1(SERIAL_EAN, "21", "SN-E2E-3"))  # another unit: a line of its own
    expect(page.locator(f".line[data-item='{SERIAL_SKU}']")).to_have_count(2)

    page.locator("#submit-count").click()
    expect(page.locator("#pending")).to_have_text("2 to send")
    context.set_offline(False)
    wait_synced(page)
    sent = [e for e in sent_log(page)["sent"] if e["movement"]["to"] == bin_of["bin"]]
    stored = [api.get(f"{url}/api/movements/{e['id']}").json() for e in sent]
    assert sorted((s["movement"]["serial"], s["movement"]["qty"]) for s in stored) == [
        ("SN-E2E-2", 1), ("SN-E2E-3", 1)]  # fmt: skip
    assert all(s["outcome"] != "rejected" for s in stored), stored
    context.close()
    sup.close()


def test_a_free_count_of_a_bin_with_an_open_task_counts_for_it(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    (item,) = stocked_items(live_server.db, 1, skip=145)
    sup, api = supervisor(signed_in)
    book = on_hand(api, url, item["sku"], item["bin"])
    task = count_task(api, url, location=item["bin"], item=item["sku"])

    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "count")
    context.set_offline(True)
    page.locator("#free-count").click()
    expect(page.locator("#prompt")).to_have_text("Scan the bin")
    scan(page, item["bin_barcode"])
    expect(page.locator("section:not([hidden]) h1")).to_have_text(f"Count {task['id']}")
    expect(page.locator("#prompt")).to_have_text(f"Bin {item['bin']}: scan each item")
    scan(page, item["ean"])
    type_qty(page, item["sku"], book)
    page.locator("#submit-count").click()
    expect(page.locator("#flash")).to_contain_text(f"Count of {item['bin']} stored")
    expect(page.locator(f"[data-task='{task['id']}']")).to_have_count(0)

    context.set_offline(False)
    wait_synced(page)
    stored = stored_count(page, api, url, item["bin"])
    assert stored["outcome"] == "applied", stored
    assert stored["movement"]["ref"] == {"count_task": task["id"]}
    until_task_done(page, task["id"])
    context.close()
    sup.close()
