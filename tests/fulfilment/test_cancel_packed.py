"""Cancelling at the packing bench: a packed order's cartons are opened back up
and its units go back to their bins by put-back tasks, as ledger movements;
once anything has shipped, cancelling is refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from devicesim import SimDevice
from fulfilmentflow import csrf_of, ledger_count, on_hand, packed_order, ship
from intake.floor import pick, tasks, wave_for
from orders.orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.verify import verify


def _pack(client: TestClient, number: str, *scans: tuple[str, int], close: bool = True) -> str:
    carton = client.post(f"/api/orders/{number}/cartons", json={}).json()["number"]
    for item, qty in scans:
        res = client.post(f"/api/cartons/{carton}/items", json={"item": item, "qty": qty})
        assert res.status_code == 200, res.text
    if close:
        assert client.post(f"/api/cartons/{carton}/close", json={"weight_kg": 1.5}).is_success
    return carton


def _putaway(sim: SimDevice, task: dict[str, Any], qty: int | None = None) -> dict[str, Any]:
    ref = {"order_line": None, "task": task["id"], "rma": None, "count_task": None}
    sim.record("putaway", task["item"], task["qty"] if qty is None else qty,
               from_=task["location"], to=task["to"], ref=ref)  # fmt: skip
    [result] = sim.push()["results"]
    return dict(result)


def test_a_packed_order_is_cancelled_its_cartons_opened_and_its_units_put_back(
    client: TestClient, manager: User, floor: Store, make_user: Callable[..., User], db_path: Path
) -> None:
    made = client.post("/api/orders", json=order("CP-1", ("SKU-1", 6), ("SKU-2", 2))).json()
    number = made["number"]
    sim, by_line = wave_for(client, make_user)
    for task in by_line.values():
        pick(sim, task)
    assert [r["outcome"] for r in sim.push()["results"]] == ["applied", "applied"]
    carton = _pack(client, number, ("SKU-1", 6), ("SKU-2", 2))
    assert client.get(f"/api/orders/{number}").json()["status"] == "packed"
    assert (on_hand(client, "SKU-1", "PACK-1"), on_hand(client, "SKU-1", "A-01")) == (6, 94)
    entries = ledger_count(db_path)

    res = client.post(f"/api/orders/{number}/cancel", json={"reason": "customer called"})
    assert res.status_code == 200, res.text
    history = res.json()["history"]
    assert [h["to"] for h in history] == [
        "new", "allocated", "picking", "picked", "packed", "cancelled"]  # fmt: skip
    assert [(h["from"], h["to"], h["by"], h["note"]) for h in history][-1] == (
        "packed", "cancelled", manager.username, "customer called")  # fmt: skip
    opened = client.get(f"/api/cartons/{carton}").json()
    assert (opened["status"], opened["unpacked_by"]) == ("open", manager.username)
    assert opened["unpacked_at"] is not None
    assert ledger_count(db_path) == entries  # cancelling moves nothing by itself

    putbacks = sorted(
        (t for t in tasks(sim) if t["kind"] == "putback"), key=lambda t: str(t["item"])
    )
    assert [(t["item"], t["location"], t["to"], t["qty"], t["status"]) for t in putbacks] == [
        ("SKU-1", "PACK-1", "A-01", 6, "open"), ("SKU-2", "PACK-1", "A-01", 2, "open")]  # fmt: skip
    # a scan is refused into the opened carton: the order is cancelled
    refused = client.post(f"/api/cartons/{carton}/items", json={"item": "SKU-1", "qty": 1})
    assert refused.status_code == 409
    assert refused.json()["message"] == f"{number} is cancelled: nothing more can be packed for it"
    closing = client.post(f"/api/cartons/{carton}/close", json={"weight_kg": 1.5})
    assert closing.status_code == 409
    assert closing.json()["message"] == (
        f"{carton} was opened back up when {number} was cancelled: its units go back to their bins"
    )
    assert f"Carton {carton}" not in client.get(f"/pack/{number}").text  # no forms for it

    assert _putaway(sim, putbacks[0], 4)["outcome"] == "applied"  # part of it first
    assert _putaway(sim, putbacks[0], 2)["outcome"] == "applied"
    assert _putaway(sim, putbacks[1])["outcome"] == "applied"
    assert ledger_count(db_path) == entries + 6  # three putaways, two entries each
    assert {t["id"]: t["status"] for t in tasks(sim)} == {
        putbacks[0]["id"]: "done", putbacks[1]["id"]: "done"}  # fmt: skip
    assert (on_hand(client, "SKU-1", "PACK-1"), on_hand(client, "SKU-1", "A-01")) == (0, 100)
    assert (on_hand(client, "SKU-2", "PACK-1"), on_hand(client, "SKU-2", "A-01")) == (0, 50)
    assert floor.read(verify) == []
    again = client.post("/api/orders", json=order("CP-2", ("SKU-1", 100))).json()
    assert again["status"] == "allocated"  # every unit is free to promise again


def test_a_partly_packed_order_puts_back_from_the_station_and_from_the_tote(
    client: TestClient, manager: User, floor: Store, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("CP-3", ("SKU-1", 10), ("SKU-2", 5))).json()
    sim, by_line = wave_for(client, make_user)
    for task in by_line.values():
        pick(sim, task)
    sim.push()
    tote = by_line[f"{made['number']}/1"]["tote"]
    _pack(client, made["number"], ("SKU-1", 4), close=False)  # an open carton, 4 in it
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "picked"

    assert client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "x"}).is_success
    # a packer or shipper still holding the order's page is told what happened
    packing = client.post(f"/api/orders/{made['number']}/cartons", json={})
    assert packing.status_code == 409
    assert "is cancelled: do not pack it" in packing.json()["message"]
    body = {"carrier": "DHL", "service": "Express", "tracking_number": "TRACK-CP3"}
    shipping = client.post(f"/api/orders/{made['number']}/shipments", json=body)
    assert shipping.status_code == 409
    assert "is cancelled: it does not ship" in shipping.json()["message"]
    putbacks = [t for t in tasks(sim) if t["kind"] == "putback"]
    assert sorted((t["item"], t["location"], t["to"], t["qty"]) for t in putbacks) == [
        ("SKU-1", "PACK-1", "A-01", 4),
        ("SKU-1", tote, "A-01", 6),
        ("SKU-2", tote, "A-01", 5),
    ]
    for task in putbacks:
        assert _putaway(sim, task)["outcome"] == "applied"
    assert [on_hand(client, "SKU-1", where) for where in ("A-01", tote, "PACK-1")] == [100, 0, 0]
    assert floor.read(verify) == []


def test_a_shipped_or_partly_shipped_order_refuses_cancel_and_nothing_changes(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice], db_path: Path
) -> None:
    shipped = packed_order(client, scanner(), "CP-4", ("SKU-1", 2))
    ship(client, shipped["number"], "CP-TRACK-4")
    before = client.get(f"/api/orders/{shipped['number']}").json()
    entries = ledger_count(db_path)
    res = client.post(f"/api/orders/{shipped['number']}/cancel", json={"reason": "too late"})
    assert res.status_code == 409
    assert res.json()["message"] == (
        f"{shipped['number']} is shipped: it has left the building and cannot be cancelled;"
        " make an RMA for what comes back"
    )
    assert client.get(f"/api/orders/{shipped['number']}").json() == before
    assert ledger_count(db_path) == entries

    # two cartons, one of them shipped: the order is still packed, but part has left
    sim = scanner()
    made = client.post("/api/orders", json=order("CP-5", ("SKU-2", 4))).json()
    ref = {"order_line": made["lines"][0]["line"], "task": None, "rma": None, "count_task": None}
    sim.record("pick", "SKU-2", 4, from_="A-01", to="TOTE-2", ref=ref)
    sim.push()
    first = _pack(client, made["number"], ("SKU-2", 2))
    _pack(client, made["number"], ("SKU-2", 2))
    part = client.post(
        f"/api/orders/{made['number']}/shipments",
        json={"carrier": "DHL", "service": "Express", "tracking_number": "CP-TRACK-5",
              "cartons": [first]},
    )  # fmt: skip
    assert part.status_code == 201, part.text
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "packed"
    res = client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "too late"})
    assert res.status_code == 409
    assert res.json()["message"] == (
        f"{made['number']} has already shipped {part.json()['number']}: it cannot be cancelled;"
        " ship the rest or make an RMA for what comes back"
    )
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "packed"


def test_the_order_page_cancels_a_packed_order_and_refuses_a_shipped_one(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    packed = packed_order(client, scanner(), "CP-6", ("SKU-1", 1))
    page = client.get(f"/orders/{packed['number']}")
    assert "Cancel this order" in page.text
    res = client.post(f"/orders/{packed['number']}/cancel",
                      data={"csrf": csrf_of(page.text), "reason": "wrong address"},
                      follow_redirects=False)  # fmt: skip
    assert res.status_code == 303
    assert client.get(f"/api/orders/{packed['number']}").json()["status"] == "cancelled"

    shipped = packed_order(client, scanner(), "CP-7", ("SKU-1", 1))
    ship(client, shipped["number"], "CP-TRACK-7")
    page = client.get(f"/orders/{shipped['number']}")
    assert "Cancel this order" not in page.text
    res = client.post(f"/orders/{shipped['number']}/cancel",
                      data={"csrf": csrf_of(page.text), "reason": "too late"})  # fmt: skip
    assert res.status_code == 409
    assert "it has left the building" in res.text
