"""The whole life of an order through the API, with stock and ledger checked at each step:
order → allocate → wave → picks pushed by a device → pack → ship → tracking page →
carrier webhook delivered → return → restock."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from devicesim import SimDevice
from fulfilmentflow import CARRIER_SECRET, new_order, on_hand, signed
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.verify import verify


def _ledger(db: Path) -> list[tuple[str, str, str, int]]:
    """(entry kind, item, location, qty) of every ledger entry after the stocking."""
    conn = sqlite3.connect(db)
    try:
        return [
            tuple(r)
            for r in conn.execute(
                "SELECT g.entry, i.sku, l.code, g.qty FROM ledger g"
                " JOIN items i ON i.id = g.item_id JOIN locations l ON l.id = g.location_id"
                " WHERE g.entry NOT IN ('receive', 'putaway') OR l.code NOT IN ('DOCK', 'A-01',"
                " 'SUPPLIER') ORDER BY g.id"
            )
        ]
    finally:
        conn.close()


def test_an_order_from_capture_to_restocked_return(
    client: TestClient,
    manager: User,
    make_user: Callable[..., User],
    floor: Store,
    db_path: Path,
    password: str,
    login: Callable[..., None],
) -> None:
    # 1. order, allocated at once from A-01
    order = new_order(client, "LIFE-1", ("SKU-1", 6), ("SKU-2", 4))
    number = order["number"]
    assert order["status"] == "allocated"
    assert [line["reservations"] for line in order["lines"]] == [
        [{"location": "A-01", "lot": None, "qty": 6}],
        [{"location": "A-01", "lot": None, "qty": 4}],
    ]
    assert on_hand(client, "SKU-1", "A-01") == 100  # reserved, not moved

    # 2. a wave makes a pick list with a tote; the picker's device pulls its tasks
    [pick_list] = client.post("/api/waves", json={}).json()["pick_lists"]
    picker = make_user("picker")
    sim = SimDevice.register(client, username=picker.username, password=password)
    client.post(f"/api/pick-lists/{pick_list}/assign", json={"username": picker.username})
    tasks = [t for page in sim.pull_all() for t in page["changes"]["tasks"]]
    assert sorted((t["item"], t["qty"]) for t in tasks) == [("SKU-1", 6), ("SKU-2", 4)]
    tote = tasks[0]["tote"]

    # 3. picks pushed as the device does, offline then synced
    for task in tasks:
        ref = {
            "order_line": task["order_line"],
            "task": task["id"],
            "rma": None,
            "count_task": None,
        }
        sim.record(
            "pick", task["item"], task["qty"], from_=task["location"], to=task["tote"], ref=ref
        )
    assert {r["outcome"] for r in sim.push()["results"]} == {"applied"}
    assert client.get(f"/api/orders/{number}").json()["status"] == "picked"
    assert (on_hand(client, "SKU-1", "A-01"), on_hand(client, "SKU-1", tote)) == (94, 6)
    assert _ledger(db_path)[-4:] == [
        ("pick", "SKU-1", "A-01", -6),
        ("pick", "SKU-1", tote, 6),
        ("pick", "SKU-2", "A-01", -4),
        ("pick", "SKU-2", tote, 4),
    ]

    # 4. pack: a wrong item is refused, the right ones go into one carton
    carton = client.post(f"/api/orders/{number}/cartons", json={}).json()["number"]
    assert (
        client.post(
            f"/api/cartons/{carton}/items", json={"item": "SKU-LOT", "qty": 1, "lot": "L1"}
        ).status_code
        == 409
    )
    client.post(f"/api/cartons/{carton}/items", json={"item": "5901234123457", "qty": 6})
    client.post(f"/api/cartons/{carton}/items", json={"item": "4006381333931", "qty": 4})
    client.post(f"/api/cartons/{carton}/close", json={"weight_kg": 3.2})
    assert client.get(f"/api/orders/{number}").json()["status"] == "packed"
    assert (on_hand(client, "SKU-1", tote), on_hand(client, "SKU-1", "PACK-1")) == (0, 6)
    assert _ledger(db_path)[-4:] == [
        ("pack", "SKU-1", tote, -6),
        ("pack", "SKU-1", "PACK-1", 6),
        ("pack", "SKU-2", tote, -4),
        ("pack", "SKU-2", "PACK-1", 4),
    ]

    # 5. ship: the carton leaves the building
    shipped = client.post(
        f"/api/orders/{number}/shipments",
        json={"carrier": "DPD", "service": "Next day", "tracking_number": "15501234567890"},
    ).json()
    assert client.get(f"/api/orders/{number}").json()["status"] == "shipped"
    assert on_hand(client, "SKU-1", "PACK-1") == 0
    assert _ledger(db_path)[-4:] == [
        ("ship", "SKU-1", "PACK-1", -6),
        ("ship", "SKU-1", "CUSTOMER", 6),
        ("ship", "SKU-2", "PACK-1", -4),
        ("ship", "SKU-2", "CUSTOMER", 4),
    ]

    # 6. the customer's tracking page, before and after the carrier's signed webhook
    client.cookies.clear()
    track = client.get(shipped["tracking_url"])
    assert "Shipped" in track.text and "15501234567890" in track.text
    assert "Delivered" not in track.text
    body, headers = signed(
        CARRIER_SECRET,
        {
            "id": "evt-life",
            "type": "delivered",
            "tracking_number": "15501234567890",
            "occurred_at": "2026-12-02T09:30:00Z",
        },
    )
    assert client.post("/api/webhooks/carrier", content=body, headers=headers).status_code == 200
    assert "Order " + number + ": Delivered" in client.get(shipped["tracking_url"]).text

    # 7. a return: RMA for 2 bolts, received opened and restocked into A-02
    login(manager.username)  # back at the desk
    assert client.get(f"/api/orders/{number}").json()["status"] == "delivered"
    rma = client.post(
        "/api/rmas",
        json={
            "order": number,
            "reason": "ordered too many",
            "lines": [{"line": f"{number}/1", "qty": 2}],
        },
    ).json()
    got = client.post(
        "/api/returns",
        json={
            "rma": rma["number"],
            "lines": [
                {
                    "item": "SKU-1",
                    "qty": 2,
                    "condition": "opened",
                    "disposition": "restock",
                    "bin": "A-02",
                }
            ],
        },
    )
    assert got.json()["receipts"][0]["outcome"] == "applied"
    assert got.json()["rma"]["status"] == "received"
    assert (on_hand(client, "SKU-1", "RET-1"), on_hand(client, "SKU-1", "A-02")) == (0, 2)
    assert _ledger(db_path)[-4:] == [
        ("return", "SKU-1", "CUSTOMER", -2),
        ("return", "SKU-1", "RET-1", 2),
        ("putaway", "SKU-1", "RET-1", -2),
        ("putaway", "SKU-1", "A-02", 2),
    ]
    # the restocked units can be sold again: 94 in A-01 + 2 in A-02 are free
    again = new_order(client, "LIFE-2", ("SKU-1", 96))
    assert again["status"] == "allocated"

    # 8. the ledger and the stock agree, and every item's entries sum to zero
    assert floor.read(verify) == []
