"""The Returns screen in a real Chromium: an RMA pulled to the device, its goods
received offline (scan the RMA, the item, grade, restock or quarantine), wrong
and extra items warned about, then synced: the server's RMA, stock and ledger
say what happened."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

import pytest
from fulfilment_steps import shipped_rma
from old_storage import old_storage
from playwright.sync_api import expect
from pwa_helpers import (
    PHONE,
    app_page,
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


def test_returns_received_offline_post_against_the_rma(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    url = live_server.url
    item, other = stocked_items(live_server.db, 2, skip=70)
    rma = shipped_rma(url, item, 3, 2, "TOTE-36")
    number = rma["number"]
    sup, api = supervisor(signed_in)
    bin_before = on_hand(api, url, item["sku"], item["bin"])
    quarantine_before = on_hand(api, url, item["sku"], "QUAR-1")
    returns_before = on_hand(api, url, item["sku"], "RET-1")

    context, page = app_page(signed_in, url, "returns", user="counter")
    expect(page.locator(f"[data-rma='{number}']")).to_be_visible()
    context.set_offline(True)
    expect(page.locator("#net")).to_have_text("Offline")

    scan(page, number)
    expect(page.locator("#prompt")).to_have_text("Scan the returned item")
    scan(page, other["ean"])  # not on the RMA: refused, with a way to take it anyway
    expect(page.locator("#flash")).to_contain_text(f"is not on {number}")
    expect(page.locator("#flash")).to_have_attribute("data-kind", "bad")
    expect(page.locator("#receive-anyway")).to_be_visible()
    assert pending(page) == 0
    scan(page, item["ean"])
    expect(page.locator("#prompt")).to_have_text("Grade its condition")
    page.locator("[data-grade=opened]").click()
    page.locator("[data-disposition=restock]").click()
    expect(page.locator("#prompt")).to_have_text("Scan the bin to restock into")
    scan(page, "DOCK-1")  # not a bin goods are restocked into
    expect(page.locator("#flash")).to_contain_text("restock into a pick or reserve bin")
    scan(page, item["bin_barcode"])
    expect(page.locator("#flash")).to_contain_text(f"Stored 1 × {item['sku']} opened: restock")
    expect(page.locator("#pending")).to_have_text("2 to send")

    # two more come back: one beyond the RMA, warned, still received
    scan(page, item["ean"])
    scan(page, item["ean"])
    expect(page.locator("#flash")).to_contain_text(f"Over {number}: 3 of 2 authorised")
    expect(page.locator("#flash")).to_have_attribute("data-kind", "warn")
    shot(page, request.config.rootpath, "returns-over")
    page.locator("[data-grade=damaged]").click()
    page.locator("[data-disposition=quarantine]").click()
    expect(page.locator("#pending")).to_have_text("4 to send")
    expect(page.locator(f"[data-item='{item['sku']}'] .received")).to_have_text("3")
    # the item that is not on the RMA, taken after all: scrapped
    scan(page, other["ean"])
    page.locator("#receive-anyway").click()
    expect(page.locator("#flash")).to_contain_text("received anyway")
    page.locator("[data-grade=defective]").click()
    page.locator("[data-disposition=scrap]").click()
    expect(page.locator("#pending")).to_have_text("6 to send")

    page.reload()  # offline: the copy of the RMA and the outbox are still there
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    page.goto(f"{url}/app#returns")
    expect(page.locator(f"[data-item='{item['sku']}'] .received")).to_have_text("3")
    outbox = sent_log(page)["outbox"]
    kinds = [(e["movement"]["kind"], e["movement"]["qty"]) for e in outbox]
    assert kinds == [("return", 1), ("putaway", 1), ("return", 2), ("transfer", 2),
                     ("return", 1), ("scrap", 1)]  # fmt: skip
    assert outbox[5]["movement"]["reason"] == f"returned defective on {number}"
    first = outbox[0]["movement"]
    assert (first["ref"]["rma"], first["ref"]["order_line"], first["condition"]) == (
        number, rma["lines"][0]["line"], "opened")  # fmt: skip

    context.set_offline(False)
    wait_synced(page)
    answers = [api.get(f"{url}/api/movements/{e['id']}").json() for e in outbox]
    assert [a["outcome"] for a in answers] == [
        "applied", "applied", "flagged", "applied", "flagged", "applied"]  # fmt: skip
    assert [c["code"] for c in answers[2]["conflicts"]] == ["RETURN_UNEXPECTED"]
    assert answers[4]["message"] == f"{other['sku']} is not on {number}: 1 returned"
    # the ledger: CUSTOMER -> RET-1 -> the bin, and -> QUAR-1
    assert sorted((e["location"], e["qty"]) for e in answers[0]["ledger"]) == [
        ("CUSTOMER", -1), ("RET-1", 1)]  # fmt: skip
    assert sorted((e["location"], e["qty"]) for e in answers[1]["ledger"]) == sorted(
        [("RET-1", -1), (item["bin"], 1)])  # fmt: skip
    assert on_hand(api, url, item["sku"], item["bin"]) == bin_before + 1
    assert on_hand(api, url, item["sku"], "QUAR-1") == quarantine_before + 2
    assert on_hand(api, url, item["sku"], "RET-1") == returns_before
    now = api.get(f"{url}/api/rmas/{number}").json()
    assert (now["status"], now["lines"][0]["received"]) == ("received", 3)
    receipts = [(r["item"], r["qty"], r["condition"], r["disposition"]) for r in now["receipts"]]
    assert receipts == [
        (item["sku"], 1, "opened", "restock"),
        (item["sku"], 2, "damaged", "quarantine"),
        (other["sku"], 1, "defective", "scrap"),
    ]
    # received in full: the RMA leaves the device's list
    expect(page.locator(f"[data-rma='{number}']")).to_have_count(0)
    context.close()
    sup.close()


def test_a_device_from_before_the_returns_screen_gets_the_open_rmas(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    [item] = stocked_items(live_server.db, 1, skip=75)
    number = shipped_rma(url, item, 1, 1, "TOTE-35")["number"]
    conn = sqlite3.connect(f"file:{live_server.db}?mode=ro", uri=True)
    try:
        newest = conn.execute("SELECT value FROM counters WHERE name = 'server_seq'").fetchone()[0]
    finally:
        conn.close()
    context = signed_in("admin", viewport=PHONE)
    page = context.new_page()
    page.goto(f"{url}/")
    # storage of the older app, its copy pulled up to now: the RMA made before
    # the upgrade would never come again by itself
    page.evaluate(old_storage(1), {"meta": {"cursor": newest}, "sent": None})
    open_app(page, url, "returns")
    expect(page.locator(f"[data-rma='{number}']")).to_be_visible()
    context.close()
