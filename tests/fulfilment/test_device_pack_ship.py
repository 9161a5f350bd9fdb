"""Pack and ship movements a device pushes move the order as the packing station
does: picked → packed → shipped, the order's events naming the device's user."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from devicesim import SimDevice
from fulfilmentflow import ledger_count, new_order, on_hand, picked_order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.verify import verify


def _push(sim: SimDevice, kind: str, line: str, item: str, qty: int, **places: str) -> Any:
    ref = {"order_line": line, "task": None, "rma": None, "count_task": None}
    sim.record(kind, item, qty, ref=ref, **places)
    [result] = sim.push()["results"]
    return result


def _history(client: TestClient, number: str) -> list[tuple[str, str, str]]:
    return [(h["from"], h["to"], h["by"])
            for h in client.get(f"/api/orders/{number}").json()["history"]]  # fmt: skip


def test_a_devices_packs_and_ships_move_the_order_to_packed_then_shipped(
    client: TestClient,
    manager: User,
    scanner: Callable[[], SimDevice],
    floor: Store,
    db_path: Path,
) -> None:
    sim = scanner()
    made = picked_order(client, sim, "DP-1", ("SKU-1", 5), ("SKU-2", 2))
    number, (one, two) = made["number"], [line["line"] for line in made["lines"]]
    entries = ledger_count(db_path)

    assert _push(sim, "pack", one, "SKU-1", 5, from_="TOTE-1", to="PACK-1")["outcome"] == "applied"
    assert client.get(f"/api/orders/{number}").json()["status"] == "picked"  # line 2 waits
    assert _push(sim, "pack", two, "SKU-2", 2, from_="TOTE-1", to="PACK-1")["outcome"] == "applied"
    assert _history(client, number)[-1] == ("picked", "packed", "pia")
    packing = client.get(f"/api/orders/{number}/packing").json()
    assert [(line["packed"], line["shipped"]) for line in packing["lines"]] == [(5, 0), (2, 0)]
    [carton] = packing["cartons"]  # the device's carton at PACK-1, closed: it can ship
    assert (carton["station"], carton["status"], carton["device"]) == (
        "PACK-1", "closed", sim.device_id)  # fmt: skip
    assert [(c["line"], c["qty"]) for c in carton["contents"]] == [(one, 5), (two, 2)]
    assert (on_hand(client, "SKU-1", "TOTE-1"), on_hand(client, "SKU-1", "PACK-1")) == (0, 5)

    assert _push(sim, "ship", one, "SKU-1", 3, from_="PACK-1")["outcome"] == "applied"
    assert client.get(f"/api/orders/{number}").json()["status"] == "packed"  # 2 + 2 still here
    assert _push(sim, "ship", one, "SKU-1", 2, from_="PACK-1")["outcome"] == "applied"
    assert _push(sim, "ship", two, "SKU-2", 2, from_="PACK-1")["outcome"] == "applied"
    assert [(f, t) for f, t, _ in _history(client, number)] == [
        (None, "new"), ("new", "allocated"), ("allocated", "picking"), ("picking", "picked"),
        ("picked", "packed"), ("packed", "shipped")]  # fmt: skip
    assert _history(client, number)[-2:] == [("picked", "packed", "pia"),
                                             ("packed", "shipped", "pia")]  # fmt: skip
    assert on_hand(client, "SKU-1", "PACK-1") == 0
    assert on_hand(client, "SKU-1", "A-01") == 95
    [carton] = client.get(f"/api/orders/{number}/packing").json()["cartons"]
    assert carton["status"] == "shipped"  # shipped by the device, with no desk shipment
    assert ledger_count(db_path) == entries + 5 * 2  # two packs, three ships
    assert floor.read(verify) == []

    # more than was packed: posted, flagged, and the order stays shipped
    extra = _push(sim, "ship", two, "SKU-2", 1, from_="PACK-1")
    assert extra["outcome"] == "flagged"
    assert [c["code"] for c in extra["conflicts"]] == ["OVERSHIP", "NEGATIVE_STOCK"]
    assert _history(client, number)[-1] == ("packed", "shipped", "pia")


def test_a_device_cannot_skip_a_step_of_the_lifecycle(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    sim = scanner()
    made = new_order(client, "DP-2", ("SKU-1", 4))
    line = made["lines"][0]["line"]
    ref = {"order_line": line, "task": None, "rma": None, "count_task": None}
    sim.record("pick", "SKU-1", 2, from_="A-01", to="TOTE-1", ref=ref)
    sim.push()
    # packing what was picked of a line still being picked does not make it packed
    assert _push(sim, "pack", line, "SKU-1", 2, from_="TOTE-1", to="PACK-1")["outcome"] == "applied"
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "picking"
    # shipping an order that is not packed: flagged, the status stays
    shipped = _push(sim, "ship", line, "SKU-1", 3, from_="PACK-1")
    assert shipped["outcome"] == "flagged"
    assert [c["code"] for c in shipped["conflicts"]][:1] == ["OVERSHIP"]
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "picking"


def test_the_station_still_makes_the_order_packed_only_when_the_carton_is_closed(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    made = picked_order(client, scanner(), "DP-3", ("SKU-1", 2))
    carton = client.post(f"/api/orders/{made['number']}/cartons", json={}).json()["number"]
    assert client.post(f"/api/cartons/{carton}/items", json={"item": "SKU-1", "qty": 2}).is_success
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "picked"
    assert client.post(f"/api/cartons/{carton}/close", json={"weight_kg": 1}).is_success
    res = client.post(
        f"/api/orders/{made['number']}/shipments",
        json={"carrier": "DHL", "service": "Express", "tracking_number": "DP-TRACK-3"},
    )
    assert res.status_code == 201, res.text
    steps = [(f, t) for f, t, _ in _history(client, made["number"])]
    assert steps[-3:] == [("picking", "picked"), ("picked", "packed"), ("packed", "shipped")]
    assert _history(client, made["number"])[-1][2] == manager.username


def test_a_pack_or_ship_for_a_cancelled_order_posts_flagged_order_closed(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    sim = scanner()
    made = picked_order(client, sim, "DP-4", ("SKU-1", 2))
    line = made["lines"][0]["line"]
    client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "customer called"})
    packed = _push(sim, "pack", line, "SKU-1", 2, from_="TOTE-1", to="PACK-1")  # recorded offline
    assert packed["outcome"] == "flagged"
    assert [c["code"] for c in packed["conflicts"]] == ["ORDER_CLOSED"]
    assert packed["message"] == f"{line}: the order is cancelled"
    shipped = _push(sim, "ship", line, "SKU-1", 2, from_="PACK-1")
    assert [c["code"] for c in shipped["conflicts"]] == ["ORDER_CLOSED"]
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "cancelled"


def _putbacks(store: Store) -> dict[str, dict[str, Any]]:
    """The open put-back tasks, by where their units wait."""
    rows = store.read(lambda c: c.execute(
        "SELECT 'PB-' || b.id, src.code, dst.code, b.qty FROM putback_tasks b"
        " JOIN locations src ON src.id = b.from_id JOIN locations dst ON dst.id = b.to_id"
        " WHERE b.status = 'open'").fetchall())  # fmt: skip
    return {r[1]: {"id": r[0], "location": r[1], "to": r[2], "qty": r[3]} for r in rows}


def test_a_late_pack_for_a_cancelled_order_moves_its_put_back_to_the_station(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice], floor: Store
) -> None:
    sim = scanner()
    made = picked_order(client, sim, "DP-5", ("SKU-1", 3))
    line = made["lines"][0]["line"]
    before = on_hand(client, "SKU-1", "A-01")
    client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "customer called"})
    waiting = _putbacks(floor)
    assert [(t["location"], t["to"], t["qty"]) for t in waiting.values()] == [("TOTE-1", "A-01", 3)]
    # packed offline before the device heard of the cancel: two of the three
    packed = _push(sim, "pack", line, "SKU-1", 2, from_="TOTE-1", to="PACK-1")
    assert [c["code"] for c in packed["conflicts"]] == ["ORDER_CLOSED"]
    now = _putbacks(floor)
    assert set(now) == {"TOTE-1", "PACK-1"}  # each put-back starts where its units are
    assert (now["TOTE-1"]["qty"], now["PACK-1"]["qty"]) == (1, 2)
    assert now["TOTE-1"]["id"] == waiting["TOTE-1"]["id"] and now["PACK-1"]["to"] == "A-01"
    for task in now.values():
        ref = {"order_line": None, "task": task["id"], "rma": None, "count_task": None}
        sim.record("putaway", "SKU-1", task["qty"], from_=task["location"], to="A-01", ref=ref)
    results = sim.push()["results"]
    assert [r["outcome"] for r in results] == ["applied", "applied"]  # no NEGATIVE_STOCK
    assert (on_hand(client, "SKU-1", "TOTE-1"), on_hand(client, "SKU-1", "PACK-1")) == (0, 0)
    assert on_hand(client, "SKU-1", "A-01") == before + 3
    assert _putbacks(floor) == {}
    assert floor.read(verify) == []


def test_an_order_a_device_packed_is_shipped_from_the_desk(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice], floor: Store
) -> None:
    sim, other = scanner(), scanner()
    made = picked_order(client, sim, "DP-6", ("SKU-1", 4))
    number, line = made["number"], made["lines"][0]["line"]
    for device, units in ((sim, 3), (other, 1)):
        packed = _push(device, "pack", line, "SKU-1", units, from_="TOTE-1", to="PACK-1")
        assert packed["outcome"] == "applied"
    assert client.get(f"/api/orders/{number}").json()["status"] == "packed"
    cartons = client.get(f"/api/orders/{number}/packing").json()["cartons"]
    assert [(c["device"], c["status"], c["contents"][0]["qty"]) for c in cartons] == [
        (sim.device_id, "closed", 3), (other.device_id, "closed", 1)]  # fmt: skip

    ship = {"carrier": "DHL", "service": "Express", "tracking_number": "DP-6-T"}
    res = client.post(f"/api/orders/{number}/shipments", json=ship)
    assert res.status_code == 201, res.text
    assert client.get(f"/api/orders/{number}").json()["status"] == "shipped"
    cartons = client.get(f"/api/orders/{number}/packing").json()["cartons"]
    assert {(c["status"], c["shipment"]) for c in cartons} == {("shipped", res.json()["number"])}
    assert on_hand(client, "SKU-1", "PACK-1") == 0
    assert floor.read(verify) == []


def test_cancelling_an_order_a_device_packed_opens_its_carton_and_puts_the_units_back(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice], floor: Store
) -> None:
    sim = scanner()
    made = picked_order(client, sim, "DP-7", ("SKU-1", 2))
    number, line = made["number"], made["lines"][0]["line"]
    _push(sim, "pack", line, "SKU-1", 2, from_="TOTE-1", to="PACK-1")
    assert client.post(f"/api/orders/{number}/cancel", json={"reason": "fraud"}).is_success
    [carton] = client.get(f"/api/orders/{number}/packing").json()["cartons"]
    assert (carton["status"], carton["unpacked_by"]) == ("open", manager.username)
    assert [(t["location"], t["to"], t["qty"]) for t in _putbacks(floor).values()] == [
        ("PACK-1", "A-01", 2)]  # fmt: skip
