"""Orders through the API: capture, idempotency, allocation, cancel, history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from orderdata import SHIP_TO, order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


def test_an_order_is_allocated_from_stock_and_its_history_kept(
    client: TestClient, manager: User
) -> None:
    res = client.post("/api/orders", json=order("W-1", ("SKU-1", 30), ("SKU-2", 5)))
    assert res.status_code == 201, res.text
    made = res.json()
    assert made["status"] == "allocated"
    assert [(ln["line"], ln["item"], ln["reserved"]) for ln in made["lines"]] == [
        (f"{made['number']}/1", "SKU-1", 30),
        (f"{made['number']}/2", "SKU-2", 5),
    ]
    assert made["lines"][0]["reservations"] == [{"location": "A-01", "lot": None, "qty": 30}]
    assert [(h["from"], h["to"], h["by"]) for h in made["history"]] == [
        (None, "new", manager.username),
        ("new", "allocated", manager.username),
    ]
    assert client.get(f"/api/orders/{made['number']}").json() == made


def test_a_case_barcode_orders_its_pack_quantity(client: TestClient, manager: User) -> None:
    made = client.post("/api/orders", json=order("W-2", ("15901234123454", 2))).json()
    assert made["lines"][0]["qty"] == 24


def test_a_retried_order_answers_the_same_order(client: TestClient, manager: User) -> None:
    first = client.post("/api/orders", json=order("W-3", ("SKU-1", 10)))
    again = client.post("/api/orders", json=order("W-3", ("SKU-1", 10)))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    other = client.post("/api/orders", json=order("W-3", ("SKU-1", 11)))
    assert other.status_code == 409
    assert "already exists" in other.json()["message"]
    # another channel may use the same reference
    assert (
        client.post("/api/orders", json=order("W-3", ("SKU-1", 1), channel="phone")).status_code
        == 201
    )


def test_available_is_on_hand_minus_reserved_and_short_lines_backorder(
    client: TestClient, manager: User
) -> None:
    a = client.post("/api/orders", json=order("A", ("SKU-1", 70))).json()
    b = client.post("/api/orders", json=order("B", ("SKU-1", 50))).json()
    assert a["status"] == "allocated"
    assert b["status"] == "backordered"
    assert b["lines"][0]["reserved"] == 30  # what was left, kept for b
    cancelled = client.post(f"/api/orders/{a['number']}/cancel", json={"reason": "customer"})
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["lines"][0]["reserved"] == 0
    c = client.post("/api/orders", json=order("C", ("SKU-1", 60))).json()
    assert c["status"] == "allocated"  # a's 70 came back


def test_quarantined_held_and_expired_stock_is_never_allocated(
    client: TestClient, manager: User, warehouse: Store
) -> None:
    from sync.catalog import add_location, set_lot_status
    from sync.local import post_local

    def setup(conn: Any) -> None:
        add_location(conn, "QUAR-1", "quarantine", warehouse="MAIN")

    warehouse.transact(setup)
    batches = [("OLD", "2020-01-01", "A-02"), ("HELD", "2031-01-01", "A-03"),
               ("LATE", "2032-01-01", "A-04"), ("SOON", "2030-06-01", "QUAR-1"),
               ("NEXT", "2030-09-01", "A-05")]  # fmt: skip
    movements: list[dict[str, Any]] = []
    for lot, expiry, bin_ in batches:
        movements.append({"kind": "receive", "item": "SKU-LOT", "to": "DOCK", "qty": 40,
                          "lot": lot, "expiry": expiry})  # fmt: skip
        movements.append({"kind": "putaway", "item": "SKU-LOT", "from": "DOCK", "to": bin_,
                          "qty": 40, "lot": lot})  # fmt: skip
    warehouse.write(post_local, movements, user="t")

    def hold(conn: Any) -> None:
        item_id = conn.execute("SELECT id FROM items WHERE sku = 'SKU-LOT'").fetchone()[0]
        set_lot_status(conn, item_id, "HELD", "hold")

    warehouse.transact(hold)
    made = client.post("/api/orders", json=order("F", ("SKU-LOT", 60))).json()
    # FEFO over what may be allocated: NEXT (2030-09) before LATE (2032); never
    # OLD (expired), HELD (on hold) or SOON (in quarantine)
    assert made["lines"][0]["reservations"] == [
        {"location": "A-05", "lot": "NEXT", "qty": 40},
        {"location": "A-04", "lot": "LATE", "qty": 20},
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (order("X", ("NO-SUCH", 1)), "lines[1].item: no item has SKU or barcode NO-SUCH"),
        (order("X", ("SKU-1", 0)), "lines[1].qty: 1 to 1,000,000"),
        (order("X"), "lines: 1 to 500"),
        ({**order("X", ("SKU-1", 1)), "priority": 0}, "priority: 1 (most urgent) to 9"),
        ({**order("X", ("SKU-1", 1)), "channel": "Big Shop"}, "channel: lower-case"),
        ({**order("X", ("SKU-1", 1)), "channel": "shop\n"}, "channel: lower-case"),
        ({**order("X", ("SKU-1", 1)), "requested_date": "20261201"}, "requested_date: a date"),
        ({**order("X", ("SKU-1", 1)), "requested_date": "2026-02-30"}, "requested_date: a date"),
        ({**order("X", ("SKU-1", 1)), "ship_to": {**SHIP_TO, "country": "G1"}}, "ship_to.country"),
        ({**order("X", ("SKU-1", 1)), "ship_to": {**SHIP_TO, "country": "gb"}}, "ship_to.country"),
        ({**order("X", ("SKU-1", 1)), "ship_to": {**SHIP_TO, "city": " "}}, "ship_to.city"),
        ({**order("X", ("SKU-1", 1)), "colour": "red"}, "unknown field"),
    ],
)
def test_bad_orders_are_refused_with_a_clear_message(
    client: TestClient, manager: User, body: dict[str, Any], message: str
) -> None:
    res = client.post("/api/orders", json=body)
    assert res.status_code == 400
    assert message.lower() in res.json()["message"].lower()
    assert client.get("/api/orders/SO-1").status_code == 404  # nothing was made


def test_pickers_cannot_create_or_cancel_orders(
    client: TestClient, warehouse: Store, logged_in: Callable[..., User]
) -> None:
    logged_in("picker")
    assert client.post("/api/orders", json=order("P", ("SKU-1", 1))).status_code == 403
    assert client.post("/api/orders/SO-1/cancel", json={"reason": "x"}).status_code == 403


def test_a_backorder_is_allocated_when_stock_arrives_from_a_device(
    client: TestClient, manager: User, make_device: Callable[..., Any]
) -> None:
    made = client.post("/api/orders", json=order("BIG", ("SKU-1", 130))).json()
    assert (made["status"], made["lines"][0]["reserved"]) == ("backordered", 100)
    creds = make_device()
    scanner = SimDevice(client, creds.device_id, creds.token, creds.epoch)
    scanner.record("receive", "SKU-1", 50, to="DOCK")
    scanner.push()  # on the dock: not yet stock to promise
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "backordered"
    scanner.record("putaway", "SKU-1", 50, from_="DOCK", to="A-02")
    scanner.push()
    now = client.get(f"/api/orders/{made['number']}").json()
    assert now["status"] == "allocated"
    assert now["lines"][0]["reserved"] == 130
    last = now["history"][-1]
    assert (last["from"], last["to"], last["by"], last["note"]) == (
        "backordered", "allocated", "system", "stock arrived")  # fmt: skip
