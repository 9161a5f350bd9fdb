"""Steps the fulfilment browser tests share: a demo order taken to picked (or shipped,
with an RMA) through the API."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import httpx2
from devicesim import SimDevice

SHIP_TO = {"name": "Grace Hopper", "line1": "2 Quay Street", "city": "York",
           "postcode": "YO1 7HH", "country": "GB"}  # fmt: skip


def stocked_item(db: Path) -> tuple[str, str]:
    """(SKU, unit EAN) of a demo item in a pick bin, tracked by neither lot nor serial."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT i.sku, b.code FROM stock s JOIN items i ON i.id = s.item_id"
            " JOIN locations l ON l.id = s.location_id"
            " JOIN item_barcodes b ON b.item_id = i.id AND b.pack_qty = 1"
            " WHERE l.kind = 'pick' AND s.on_hand >= 5 AND i.tracking = 'none'"
            " ORDER BY l.pick_seq DESC, i.sku LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    assert row is not None
    return str(row[0]), str(row[1])


def other_ean(db: Path, sku: str) -> tuple[str, str]:
    """(SKU, unit EAN) of some other item of the demo."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT i.sku, b.code FROM items i JOIN item_barcodes b ON b.item_id = i.id"
            " WHERE b.pack_qty = 1 AND i.sku != ? ORDER BY i.sku LIMIT 1",
            (sku,),
        ).fetchone()
    finally:
        conn.close()
    return str(row[0]), str(row[1])


def log_in(client: httpx2.Client, username: str, password: str) -> None:
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    res = client.post("/login", data={"username": username, "password": password,
                                      "csrf": csrf.group(1)})  # fmt: skip
    assert res.status_code in (200, 303), res.text


def picked_order(
    client: httpx2.Client, scanner: httpx2.Client, sku: str, qty: int, tote: str
) -> dict[str, Any]:
    """As a supervisor, order ``qty`` of ``sku``; the picker's device picks it into ``tote``."""
    log_in(client, "supervisor", "supervisor-demo")
    order = client.post("/api/orders", json={"channel": "shop", "customer": "Grace Hopper",
                                             "ship_to": SHIP_TO,
                                             "lines": [{"item": sku, "qty": qty}]})  # fmt: skip
    assert order.status_code == 201, order.text
    line = order.json()["lines"][0]
    [reserved] = line["reservations"]
    device = SimDevice.register(scanner, username="picker", password="picker-demo")
    device.pull_all()
    ref = {"order_line": line["line"], "task": None, "rma": None, "count_task": None}
    device.record("pick", sku, qty, from_=reserved["location"], to=tote, ref=ref)
    assert device.push()["results"][0]["outcome"] == "applied"
    return dict(order.json())


def shipped_rma(url: str, item: dict[str, Any], qty: int, back: int, tote: str) -> dict[str, Any]:
    """An order of ``qty`` of ``item`` picked, packed and shipped; an RMA for ``back`` of it."""
    with (
        httpx2.Client(base_url=url, timeout=30) as client,
        httpx2.Client(base_url=url, timeout=30) as scanner,
    ):
        order = picked_order(client, scanner, item["sku"], qty, tote)
        # picked_order logged the client in as the supervisor
        carton = client.post(f"/api/orders/{order['number']}/cartons", json={}).json()
        packed = client.post(f"/api/cartons/{carton['number']}/items",
                             json={"item": item["sku"], "qty": qty})  # fmt: skip
        assert packed.status_code == 200, packed.text
        closed = client.post(f"/api/cartons/{carton['number']}/close", json={"weight_kg": 1.0})
        assert closed.status_code == 200, closed.text
        shipped = client.post(f"/api/orders/{order['number']}/shipments",
                              json={"carrier": "DHL", "service": "Express",
                                    "tracking_number": f"RMA-E2E-{order['number']}"})  # fmt: skip
        assert shipped.status_code == 201, shipped.text
        rma = client.post("/api/rmas", json={"order": order["number"], "reason": "too many",
                                             "lines": [{"line": order["lines"][0]["line"],
                                                        "qty": back}]})  # fmt: skip
        assert rma.status_code == 201, rma.text
        return dict(rma.json())
