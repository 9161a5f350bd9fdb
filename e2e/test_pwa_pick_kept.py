"""The units in a picker's hand, in a real Chromium: kept, counted only if
taken, and of the serial the line wants.

Units scanned into a line that then leaves the device (its list reassigned
to someone else, or its order cancelled) are stored as a pick naming the line
and task, in the sync that notices, and the screen says so; the server gets
the pick.  A pick the server rejects no longer counts toward its line: the
line is open again, to pick for real.  A serial-tracked line wants its own
serial label: the plain EAN and another serial are refused, and the pick
names the serial, which the server applies.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2
import pytest
from devicesim import SimDevice
from playwright.sync_api import (
    APIRequestContext,
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    expect,
)
from pwa_helpers import (
    PHONE,
    location_barcode,
    login,
    make_pick_list,
    open_app,
    scan,
    sent_log,
    stocked_items,
    sync_now,
    until_sent,
    wait_synced,
)
from tracked_items import gs1, import_serial_item

if TYPE_CHECKING:
    from conftest import OwnServer

# Each test on a copy of the demo warehouse of its own: what it leaves (a
# put-back for the picker, a list reassigned away from them) is no other
# test's business.


def _as(browser: Browser, url: str, user: str, **options: Any) -> BrowserContext:
    context = browser.new_context(**options)
    page = context.new_page()
    login(page, url, user)
    page.close()
    return context


def _picking(
    browser: Browser, server: OwnServer, items: list[dict[str, Any]], qty: int
) -> tuple[BrowserContext, APIRequestContext, dict[str, Any], BrowserContext, Page]:
    """A list of ``qty`` of the items for the picker, and the picker's app on it:
    (supervisor's context, their API, the list, the picker's context, page)."""
    sup = _as(browser, server.url, "supervisor")
    pick_list = make_pick_list(sup.request, server.url, items, qty=qty)
    context = _as(browser, server.url, "picker",
                  viewport=ViewportSize(width=PHONE["width"], height=PHONE["height"]))  # fmt: skip
    page = context.new_page()
    open_app(page, server.url, f"pick/{pick_list['number']}")
    return sup, sup.request, pick_list, context, page


def _stored(api: Any, url: str, movement_id: str) -> dict[str, Any]:
    answer = api.get(f"{url}/api/movements/{movement_id}")
    assert answer.ok, answer.text()
    return dict(answer.json())


def _reopen(page: Page, url: str, number: str) -> None:
    page.reload()
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    page.goto(f"{url}/app#pick/{number}")


@pytest.mark.parametrize(
    ("skip", "leaves", "why"),
    [
        (120, "reassigned", "{number} was reassigned to counter"),
        (122, "cancelled", "its line was cancelled"),
    ],
)
def test_units_scanned_into_a_line_that_leaves_are_stored(
    browser: Browser, own_server: OwnServer, skip: int, leaves: str, why: str
) -> None:
    url, db = own_server.url, own_server.db
    (item,) = stocked_items(db, 1, skip=skip)
    sup, api, pick_list, context, page = _picking(browser, own_server, [item], qty=3)
    (task,) = pick_list["tasks"]
    number = pick_list["number"]
    flash = page.locator("#flash")
    scan(page, location_barcode(db, task["location"]))
    scan(page, item["ean"])
    scan(page, item["ean"])
    expect(page.locator(".task .qty-input")).to_have_value("2")

    if leaves == "reassigned":
        given = api.post(f"{url}/api/pick-lists/{number}/assign", data={"username": "counter"})
        assert given.ok, given.text()
    else:
        order = task["order_line"].split("/")[0]
        cancelled = api.post(f"{url}/api/orders/{order}/cancel", data={"reason": "customer"})
        assert cancelled.ok, cancelled.text()
    sync_now(page)

    kept = f"2 × {item['sku']} picked from {number} stored"
    expect(flash).to_have_text(f"{kept}; {why.format(number=number)}")
    expect(flash).to_have_attribute("data-kind", "warn")
    until_sent(page, 1)
    wait_synced(page)
    log = sent_log(page)
    assert log["outbox"] == []
    (entry,) = log["sent"]
    m = entry["movement"]
    assert (m["kind"], m["item"], m["from"], m["to"], m["qty"], m["ref"]) == (
        "pick", item["sku"], task["location"], task["tote"], 2,
        {"order_line": task["order_line"], "task": task["id"]},
    )  # fmt: skip
    assert entry["outcome"] != "rejected", entry
    assert _stored(api, url, m["id"])["outcome"] == entry["outcome"]
    drafts = page.evaluate("window.shelfsync.db.all('drafts')")
    assert [d for d in drafts if d.get("units")] == []

    if leaves == "reassigned":
        # the note says what was stored, still after a reload, until OK
        note = page.locator(f"[data-gone='{number}']")
        expect(note).to_contain_text(kept)
        expect(note).to_contain_text("What you already picked from it is sent as usual")
        _reopen(page, url, number)
        expect(note).to_contain_text(kept)
        note.get_by_role("button", name="OK").click()
        expect(page.locator(f"[data-gone='{number}']")).to_have_count(0)
    else:
        _reopen(page, url, number)
        expect(page.locator(".task")).to_have_count(0)
    assert len(sent_log(page)["sent"]) == 1  # stored once, not at every load
    context.close()
    sup.close()


def test_a_rejected_pick_does_not_count_toward_its_line(
    browser: Browser, own_server: OwnServer
) -> None:
    url, db = own_server.url, own_server.db
    (item,) = stocked_items(db, 1, skip=124)
    sup, api, pick_list, context, page = _picking(browser, own_server, [item], qty=2)
    (task,) = pick_list["tasks"]
    number = pick_list["number"]
    card = page.locator(".task")

    # a quantity beyond any real one, in the pick under way (as an app from
    # before such a number was refused as typed stored it): sent, and rejected
    scan(page, location_barcode(db, task["location"]))
    scan(page, item["ean"])
    expect(card).to_have_attribute("data-step", "item")  # 1 of 2 so far
    page.evaluate(
        "(id) => window.shelfsync.db.get('drafts', id)"
        ".then((d) => window.shelfsync.db.putDraft({...d, units: 2000000000, step: 'tote'}))",
        f"pick:{task['id']}",
    )
    _reopen(page, url, number)
    expect(card.locator(".qty-input")).to_have_value("2000000000")
    scan(page, location_barcode(db, task["tote"]))
    expect(page.locator("#list-done")).to_be_visible()
    sync_now(page)
    until_sent(page, 1)
    (entry,) = sent_log(page)["sent"]
    assert (entry["outcome"], entry["code"]) == ("rejected", "INVALID_QTY"), entry
    assert _stored(api, url, entry["id"])["outcome"] == "rejected"

    # the line is open again: nothing of it was taken
    _reopen(page, url, number)
    expect(card).to_have_attribute("data-task", task["id"])
    expect(card).to_have_attribute("data-step", "bin")
    expect(page.locator("#picked-before")).to_have_count(0)
    page.goto(f"{url}/app#pick")
    expect(page.locator(f"[data-list='{number}']")).to_have_text(f"{number} · 0/1 lines")

    # picked for real, it is taken
    page.goto(f"{url}/app#pick/{number}")
    scan(page, location_barcode(db, task["location"]))
    scan(page, item["ean"])
    scan(page, item["ean"])
    scan(page, location_barcode(db, task["tote"]))
    expect(page.locator("#list-done")).to_be_visible()
    until_sent(page, 2)
    served = api.get(f"{url}/api/pick-lists/{number}").json()
    assert [t["status"] for t in served["tasks"]] == ["done"]
    context.close()
    sup.close()


SERIAL_SKU, SERIAL_EAN = "E2E-SER-KEPT", "4009997000112"


def _serial_unit_in_a_pick_bin(db: Path, url: str, tmp_path: Path) -> None:
    import_serial_item(db, tmp_path, SERIAL_SKU, SERIAL_EAN)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (bin_code,) = conn.execute(
            "SELECT code FROM locations WHERE kind='pick' AND active=1"
            " ORDER BY pick_seq DESC LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    with httpx2.Client(base_url=url, timeout=30) as http:
        dev = SimDevice.register(http, username="counter", password="counter-demo")
        dev.pull_all()
        dev.record("receive", SERIAL_SKU, 1, to="DOCK-1", serial="SN-A")
        dev.record("putaway", SERIAL_SKU, 1, from_="DOCK-1", to=bin_code, serial="SN-A")
        res = dev.push()
        assert [r["outcome"] for r in res["results"]] == ["applied", "applied"], res


def test_a_serial_line_wants_its_own_serial_label(
    browser: Browser, own_server: OwnServer, tmp_path: Path
) -> None:
    url, db = own_server.url, own_server.db
    _serial_unit_in_a_pick_bin(db, url, tmp_path)
    sup, api, pick_list, context, page = _picking(browser, own_server, [{"sku": SERIAL_SKU}], 1)
    number = pick_list["number"]
    (task,) = pick_list["tasks"]
    assert task["lot"] == "SN-A"
    card, flash = page.locator(".task"), page.locator("#flash")
    scan(page, location_barcode(db, task["location"]))

    scan(page, SERIAL_EAN)  # the plain EAN: which unit is it?
    expect(flash).to_have_text(f"{SERIAL_SKU} is tracked by serial: scan its serial label")
    expect(flash).to_have_attribute("data-kind", "bad")
    scan(page, gs1(SERIAL_EAN, "21", "SN-OTHER"))  # another unit's label
    expect(flash).to_have_text("Wrong serial: SN-OTHER. Pick serial SN-A")
    expect(card.locator(".qty-input")).to_have_value("0")
    expect(card).to_contain_text("serial SN-A")
    # "+" and a typed quantity say nothing of which unit was taken
    card.get_by_role("button", name="Picked plus one").click()
    expect(flash).to_have_text("Scan the serial label of SN-A: each unit is picked by its scan")
    expect(card.locator(".qty-input")).to_have_value("0")
    card.locator(".qty-input").fill("1")
    card.locator(".qty-input").press("Enter")
    expect(flash).to_have_text("Scan the serial label of SN-A: each unit is picked by its scan")
    expect(page.locator(".task .qty-input")).to_have_value("0")

    scan(page, gs1(SERIAL_EAN, "21", "SN-A"))
    expect(flash).to_contain_text("1 of 1")
    scan(page, gs1(SERIAL_EAN, "21", "SN-A"))  # the same label again: still one unit
    expect(flash).to_have_text(f"Serial SN-A is picked already: scan tote {task['tote']}")
    expect(page.locator(".task .qty-input")).to_have_value("1")
    scan(page, location_barcode(db, task["tote"]))
    expect(page.locator("#list-done")).to_be_visible()
    until_sent(page, 1)
    (entry,) = sent_log(page)["sent"]
    assert (entry["movement"]["serial"], entry["movement"]["lot"]) == ("SN-A", None)
    assert _stored(api, url, entry["id"])["outcome"] == "applied"
    served = api.get(f"{url}/api/pick-lists/{number}").json()
    assert [t["status"] for t in served["tasks"]] == ["done"]
    context.close()
    sup.close()
