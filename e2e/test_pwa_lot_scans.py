"""Lot- and serial-tracked items in the floor app, in a real Chromium.

Scanned by the plain EAN, such an item carries no lot (serial): the server
would reject the movement (MISSING_FIELD) after the screen had shown it done.
Receive, Put away / move and Returns refuse that scan with a warning and store
nothing; the item's lot label (GS1, AI 10 lot or AI 21 serial) is stored with
its lot, and posts.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2
from devicesim import SimDevice
from fulfilment_steps import SHIP_TO, log_in
from playwright.sync_api import Page, expect
from pwa_helpers import app_page, location_barcode, pending, scan, sent_log, supervisor, wait_synced
from tracked_items import gs1, import_serial_item

if TYPE_CHECKING:
    from conftest import LiveServer

SERIAL_SKU, SERIAL_EAN = "E2E-SER-1", "4009997000013"


def lot_items(db: Path, count: int, skip: int) -> list[dict[str, Any]]:
    """Lot-tracked demo items stocked in a pick bin: SKU, unit EAN, the lot, the bin."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT i.sku, b.code, s.lot, l.code, l.barcode FROM stock s"
            " JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id"
            " JOIN item_barcodes b ON b.item_id = i.id AND b.pack_qty = 1"
            " WHERE l.kind = 'pick' AND s.on_hand >= 10 AND i.tracking = 'lot'"
            " GROUP BY i.id ORDER BY i.sku DESC LIMIT ? OFFSET ?",
            (count, skip),
        ).fetchall()
    finally:
        conn.close()
    assert len(rows) == count, "the demo has too few stocked lot-tracked items"
    return [{"sku": r[0], "ean": r[1], "lot": r[2], "bin": r[3], "bin_barcode": r[4]} for r in rows]


def refused(page: Page, text: str) -> None:
    expect(page.locator("#flash")).to_have_text(text)
    expect(page.locator("#flash")).to_have_attribute("data-kind", "warn")
    assert pending(page) == 0
    assert sent_log(page)["outbox"] == []


def answers(page: Page, api: Any, url: str) -> list[dict[str, Any]]:
    """The server's record of each movement sent, in the order they were stored."""
    wait_synced(page)
    sent = sorted(sent_log(page)["sent"], key=lambda e: e["seq"])
    return [api.get(f"{url}/api/movements/{e['id']}").json() for e in sent]


def test_receive_refuses_a_lot_item_scanned_without_its_lot(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    (item,) = lot_items(live_server.db, 1, skip=0)
    sup, api = supervisor(signed_in)
    context, page = app_page(signed_in, url, "receive")
    context.set_offline(True)

    scan(page, location_barcode(live_server.db, "DOCK-1"))
    scan(page, item["ean"])
    refused(page, f"{item['sku']} is tracked by lot: scan its lot label")
    expect(page.locator("#receipts li")).to_have_count(0)
    scan(page, gs1(item["ean"], "10", "E2E-RCV-1"))
    expect(page.locator("#flash")).to_have_text(f"Received 1 × {item['sku']}")
    expect(page.locator("#flash")).to_have_attribute("data-kind", "good")
    expect(page.locator("#pending")).to_have_text("1 to send")

    context.set_offline(False)
    (stored,) = answers(page, api, url)
    assert (stored["kind"], stored["outcome"], stored["movement"]["lot"]) == (
        "receive", "applied", "E2E-RCV-1")  # fmt: skip
    assert [(e["location"], e["lot"], e["qty"]) for e in stored["ledger"] if e["qty"] > 0] == [
        ("DOCK-1", "E2E-RCV-1", 1)]  # fmt: skip
    context.close()
    sup.close()


def test_a_move_of_a_lot_item_needs_its_lot_then_goes_on_in_it(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    (item,) = lot_items(live_server.db, 1, skip=1)
    to = "C-04-16"
    sup, api = supervisor(signed_in)
    context, page = app_page(signed_in, url, "receive")
    context.set_offline(True)

    page.locator("#mode-move").click()
    scan(page, item["bin_barcode"])
    scan(page, item["ean"])
    refused(page, f"{item['sku']} is tracked by lot: scan its lot label")
    expect(page.locator("#prompt")).to_have_text(f"From {item['bin']}: scan the item")
    scan(page, gs1(item["ean"], "10", item["lot"]))
    expect(page.locator(".card .item-name")).to_contain_text(f"lot {item['lot']}")
    scan(page, item["ean"])  # the same item again: in the lot on the card
    expect(page.locator("#prompt")).to_have_text("Scan where 2 go")
    scan(page, location_barcode(live_server.db, to))
    expect(page.locator("#flash")).to_have_text(f"Moved 2 × {item['sku']} to {to}")

    context.set_offline(False)
    (stored,) = answers(page, api, url)
    assert (stored["kind"], stored["outcome"], stored["movement"]["lot"]) == (
        "transfer", "applied", item["lot"])  # fmt: skip
    assert sorted((e["location"], e["lot"], e["qty"]) for e in stored["ledger"]) == sorted(
        [(item["bin"], item["lot"], -2), (to, item["lot"], 2)])  # fmt: skip
    context.close()
    sup.close()


def test_a_serial_item_is_received_and_put_away_by_its_serial(
    signed_in: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    url = live_server.url
    import_serial_item(live_server.db, tmp_path, SERIAL_SKU, SERIAL_EAN)
    to = "C-04-15"
    sup, api = supervisor(signed_in)
    context, page = app_page(signed_in, url, "receive")
    context.set_offline(True)

    scan(page, location_barcode(live_server.db, "DOCK-1"))
    scan(page, SERIAL_EAN)
    refused(page, f"{SERIAL_SKU} is tracked by serial: scan its serial label")
    scan(page, gs1(SERIAL_EAN, "21", "SN-E2E-1"))
    expect(page.locator("#flash")).to_have_text(f"Received 1 × {SERIAL_SKU}")
    page.locator("#mode-move").click()
    scan(page, location_barcode(live_server.db, "DOCK-1"))
    scan(page, SERIAL_EAN)
    expect(page.locator("#flash")).to_have_text(
        f"{SERIAL_SKU} is tracked by serial: scan its serial label"
    )
    expect(page.locator("#flash")).to_have_attribute("data-kind", "warn")
    scan(page, gs1(SERIAL_EAN, "21", "SN-E2E-1"))
    scan(page, location_barcode(live_server.db, to))
    expect(page.locator("#pending")).to_have_text("2 to send")

    context.set_offline(False)
    stored = answers(page, api, url)
    assert [(a["kind"], a["outcome"], a["movement"]["serial"]) for a in stored] == [
        ("receive", "applied", "SN-E2E-1"), ("putaway", "applied", "SN-E2E-1")]  # fmt: skip
    assert sorted((e["location"], e["lot"], e["qty"]) for e in stored[1]["ledger"]) == sorted(
        [("DOCK-1", "SN-E2E-1", -1), (to, "SN-E2E-1", 1)])  # fmt: skip
    context.close()
    sup.close()


def shipped_lot_rma(url: str, sku: str, tote: str) -> tuple[dict[str, Any], str]:
    """One of ``sku`` ordered, picked (in the lot it was allocated), packed and
    shipped; an RMA for it, and the lot."""
    with (
        httpx2.Client(base_url=url, timeout=30) as client,
        httpx2.Client(base_url=url, timeout=30) as scanner,
    ):
        log_in(client, "supervisor", "supervisor-demo")
        order = client.post("/api/orders", json={"channel": "shop", "customer": "Grace Hopper",
                                                 "ship_to": SHIP_TO,
                                                 "lines": [{"item": sku, "qty": 1}]})  # fmt: skip
        assert order.status_code == 201, order.text
        number, line = order.json()["number"], order.json()["lines"][0]
        [reserved] = line["reservations"]
        device = SimDevice.register(scanner, username="picker", password="picker-demo")
        device.pull_all()
        ref = {"order_line": line["line"], "task": None, "rma": None, "count_task": None}
        device.record("pick", sku, 1, from_=reserved["location"], to=tote, lot=reserved["lot"],
                      ref=ref)  # fmt: skip
        assert device.push()["results"][0]["outcome"] == "applied"
        carton = client.post(f"/api/orders/{number}/cartons", json={}).json()
        packed = client.post(f"/api/cartons/{carton['number']}/items", json={"item": sku, "qty": 1})
        assert packed.status_code == 200, packed.text
        closed = client.post(f"/api/cartons/{carton['number']}/close", json={"weight_kg": 1.0})
        assert closed.status_code == 200, closed.text
        shipped = client.post(f"/api/orders/{number}/shipments",
                              json={"carrier": "DHL", "service": "Express",
                                    "tracking_number": f"RMA-E2E-{number}"})  # fmt: skip
        assert shipped.status_code == 201, shipped.text
        back = [{"line": line["line"], "qty": 1}]
        rma = client.post("/api/rmas", json={"order": number, "reason": "unused", "lines": back})
        assert rma.status_code == 201, rma.text
        return dict(rma.json()), str(reserved["lot"])


def test_a_return_of_a_lot_item_needs_its_lot(signed_in: Any, live_server: LiveServer) -> None:
    url = live_server.url
    (item,) = lot_items(live_server.db, 1, skip=2)
    rma, lot = shipped_lot_rma(url, item["sku"], "TOTE-37")
    number = rma["number"]
    sup, api = supervisor(signed_in)
    context, page = app_page(signed_in, url, "returns", user="counter")
    expect(page.locator(f"[data-rma='{number}']")).to_be_visible()
    context.set_offline(True)

    scan(page, number)
    scan(page, item["ean"])
    refused(page, f"{item['sku']} is tracked by lot: scan its lot label")
    expect(page.locator("#prompt")).to_have_text("Scan the returned item")
    expect(page.locator(".card.task")).to_have_count(0)
    scan(page, gs1(item["ean"], "10", lot))
    expect(page.locator("#prompt")).to_have_text("Grade its condition")
    page.locator("[data-grade=opened]").click()
    page.locator("[data-disposition=restock]").click()
    scan(page, item["bin_barcode"])
    expect(page.locator("#flash")).to_have_text(
        f"Stored 1 × {item['sku']} opened: restock → {item['bin']}"
    )
    expect(page.locator("#pending")).to_have_text("2 to send")

    context.set_offline(False)
    stored = answers(page, api, url)
    assert [(a["kind"], a["outcome"], a["movement"]["lot"]) for a in stored] == [
        ("return", "applied", lot), ("putaway", "applied", lot)]  # fmt: skip
    assert {e["lot"] for a in stored for e in a["ledger"]} == {lot}
    now = api.get(f"{url}/api/rmas/{number}").json()
    assert (now["status"], now["lines"][0]["received"]) == ("received", 1)
    context.close()
    sup.close()
