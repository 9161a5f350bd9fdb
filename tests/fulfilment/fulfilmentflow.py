"""Steps the fulfilment tests share: an order taken to picked, packed, shipped."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from devicesim import SimDevice
from starlette.testclient import TestClient

CARRIER_SECRET = "whsec-test-4f1c9a"  # the secret the test settings share with the carrier

SHIP_TO = {
    "name": "Ada Lovelace",
    "line1": "1 Dock Road",
    "city": "Leeds",
    "postcode": "LS1 1AA",
    "country": "GB",
}


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def new_order(client: TestClient, ref: str, *lines: tuple[str, int]) -> dict[str, Any]:
    body = {
        "channel": "shop",
        "external_ref": ref,
        "customer": "Ada Lovelace",
        "ship_to": SHIP_TO,
        "lines": [{"item": i, "qty": q} for i, q in lines],
    }
    res = client.post("/api/orders", json=body)
    assert res.status_code == 201, res.text
    return dict(res.json())


def pick(
    sim: SimDevice, line: str, item: str, qty: int, *, tote: str = "TOTE-1", bin_code: str = "A-01"
) -> dict[str, Any]:
    """A picker's device picks ``qty`` for the line into the tote and pushes it."""
    ref = {"order_line": line, "task": None, "rma": None, "count_task": None}
    sim.record("pick", item, qty, from_=bin_code, to=tote, ref=ref)
    [result] = sim.push()["results"][-1:]
    return dict(result)


def picked_order(
    client: TestClient, sim: SimDevice, ref: str, *lines: tuple[str, int], tote: str = "TOTE-1"
) -> dict[str, Any]:
    order = new_order(client, ref, *lines)
    for line, (item, qty) in zip(order["lines"], lines, strict=True):
        assert pick(sim, line["line"], item, qty, tote=tote)["outcome"] == "applied"
    return order


def packed_order(
    client: TestClient, sim: SimDevice, ref: str, *lines: tuple[str, int], tote: str = "TOTE-1"
) -> dict[str, Any]:
    order = picked_order(client, sim, ref, *lines, tote=tote)
    carton = client.post(f"/api/orders/{order['number']}/cartons", json={}).json()
    for item, qty in lines:
        res = client.post(f"/api/cartons/{carton['number']}/items", json={"item": item, "qty": qty})
        assert res.status_code == 200, res.text
    res = client.post(f"/api/cartons/{carton['number']}/close", json={"weight_kg": 2.5})
    assert res.status_code == 200, res.text
    return order


def ship(client: TestClient, number: str, tracking: str) -> dict[str, Any]:
    res = client.post(
        f"/api/orders/{number}/shipments",
        json={"carrier": "DHL", "service": "Express", "tracking_number": tracking},
    )
    assert res.status_code == 201, res.text
    return dict(res.json())


def on_hand(client: TestClient, item: str, location: str) -> int:
    rows = client.get("/api/stock", params={"item": item, "location": location}).json()["stock"]
    return sum(r["on_hand"] for r in rows)


def ledger_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT count(*) FROM ledger").fetchone()[0])
    finally:
        conn.close()


def signed(
    secret: str, event: dict[str, Any], *, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """A carrier webhook request as the carrier's documented protocol makes one."""
    body = json.dumps(event).encode()
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()
    return body, {"Carrier-Signature": f"t={t},v1={mac}", "Content-Type": "application/json"}
