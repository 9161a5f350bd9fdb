"""Packing: picked units scan-verified into cartons, through the ledger."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from devicesim import SimDevice
from fulfilmentflow import csrf_of, ledger_count, new_order, on_hand, pick, picked_order, ship
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.local import post_local
from sync.verify import verify


def test_scans_pack_picked_units_and_the_order_is_packed_when_all_are(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    order = picked_order(client, scanner(), "K-1", ("SKU-1", 5), ("SKU-2", 3))
    number = order["number"]
    carton = client.post(f"/api/orders/{number}/cartons", json={"station": "PACK-2"})
    assert carton.status_code == 201
    ct = carton.json()["number"]
    assert (carton.json()["station"], carton.json()["status"]) == ("PACK-2", "open")
    assert ct.startswith("CTN-")  # count tasks are CT-n: a carton's number is not one
    res = client.post(f"/api/cartons/{ct}/items", json={"item": "5901234123457", "qty": 5})
    assert res.status_code == 200, res.text
    assert res.json()["contents"] == [
        {"line": f"{number}/1", "item": "SKU-1", "name": "Hex bolt M8", "lot": None, "qty": 5}
    ]
    # the units moved from the tote to the station, as a pack movement
    assert on_hand(client, "SKU-1", "TOTE-1") == 0
    assert on_hand(client, "SKU-1", "PACK-2") == 5
    client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-2", "qty": 3})
    assert client.get(f"/api/orders/{number}").json()["status"] == "picked"  # not closed yet
    closed = client.post(f"/api/cartons/{ct}/close", json={"weight_kg": 1.25}).json()
    assert (closed["status"], closed["weight_kg"]) == ("closed", 1.25)
    now = client.get(f"/api/orders/{number}").json()
    assert now["status"] == "packed"
    assert (now["history"][-1]["from"], now["history"][-1]["by"]) == ("picked", manager.username)
    packing = client.get(f"/api/orders/{number}/packing").json()
    assert [(line["picked"], line["packed"]) for line in packing["lines"]] == [(5, 5), (3, 3)]


def test_a_wrong_item_or_too_many_is_refused_and_nothing_posts(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice], db_path: Path
) -> None:
    order = new_order(client, "K-2", ("SKU-1", 10))
    pick(scanner(), order["lines"][0]["line"], "SKU-1", 4)  # 4 of 10 picked so far
    ct = client.post(f"/api/orders/{order['number']}/cartons", json={}).json()["number"]
    before = ledger_count(db_path)
    wrong = client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-2", "qty": 1})
    assert wrong.status_code == 409
    assert wrong.json()["error"] == "conflict"
    assert wrong.json()["message"] == f"wrong item: SKU-2 is not on {order['number']}; put it aside"
    too_many = client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-1", "qty": 5})
    assert too_many.status_code == 409
    assert too_many.json()["message"] == (
        f"SKU-1: 10 ordered, 4 picked, 0 already packed for {order['number']};"
        " 5 more cannot be packed (at most 4)"
    )
    # a case barcode counts its 12 units
    case = client.post(f"/api/cartons/{ct}/items", json={"item": "15901234123454", "qty": 1})
    assert case.status_code == 409 and "12 more cannot be packed" in case.json()["message"]
    assert ledger_count(db_path) == before
    assert on_hand(client, "SKU-1", "TOTE-1") == 4
    assert (
        client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-1", "qty": 4}).status_code == 200
    )
    again = client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-1", "qty": 1})
    assert "4 already packed" in again.json()["message"]
    # partly picked: the order stays picking after the carton closes
    client.post(f"/api/cartons/{ct}/close", json={"weight_kg": 0.4})
    assert client.get(f"/api/orders/{order['number']}").json()["status"] == "picking"


def test_cartons_refuse_what_makes_no_sense(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    unpicked = new_order(client, "K-3", ("SKU-1", 1))
    res = client.post(f"/api/orders/{unpicked['number']}/cartons", json={})
    assert res.status_code == 409 and "only picked units can be packed" in res.json()["message"]
    order = picked_order(client, scanner(), "K-4", ("SKU-1", 2))
    bad_station = client.post(f"/api/orders/{order['number']}/cartons", json={"station": "A-01"})
    assert bad_station.status_code == 400
    ct = client.post(f"/api/orders/{order['number']}/cartons", json={}).json()["number"]
    assert client.post(f"/api/cartons/{ct}/close", json={"weight_kg": 1}).json()["message"] == (
        f"{ct} is empty: scan items into it first"
    )
    client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-1", "qty": 2})
    for weight in (0, -1, "heavy", None, 5000):
        res = client.post(f"/api/cartons/{ct}/close", json={"weight_kg": weight})
        assert res.status_code == 400, weight
    assert (
        client.post(f"/api/cartons/{ct}/items", json={"item": "nope", "qty": 1}).status_code == 400
    )
    assert (
        client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-1", "qty": 0}).status_code == 400
    )
    client.post(f"/api/cartons/{ct}/close", json={"weight_kg": 1})
    late = client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-1", "qty": 1})
    assert (
        late.status_code == 409 and late.json()["message"] == f"{ct} is closed: open a new carton"
    )
    assert client.get("/api/cartons/CT-999").status_code == 404


def test_a_device_packing_more_than_was_picked_is_flagged_overship(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    sim = scanner()
    order = picked_order(client, sim, "K-5", ("SKU-1", 2))
    line = order["lines"][0]["line"]
    ref = {"order_line": line, "task": None, "rma": None, "count_task": None}
    sim.record("pack", "SKU-1", 3, from_="TOTE-1", to="PACK-1", ref=ref)
    [result] = sim.push()["results"]
    assert result["outcome"] == "flagged"
    assert [c["code"] for c in result["conflicts"]] == ["OVERSHIP", "NEGATIVE_STOCK"]
    assert f"{line}: 3 packed of 2 picked" in result["message"]


def test_the_packing_station_page_and_the_slip(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    order = picked_order(client, scanner(), "K-6", ("SKU-1", 2))
    number = order["number"]
    desk = client.get("/pack")
    assert f'<a href="/pack/{number}">{number}</a> · picked' in desk.text
    start = client.get(f"/pack?order={number}", follow_redirects=False)
    assert start.headers["location"].endswith(f"/pack/{number}")
    page = client.get(f"/pack/{number}")
    csrf = csrf_of(page.text)
    opened = client.post(f"/pack/{number}", data={"csrf": csrf, "action": "open"})
    assert "opened at PACK-1" in opened.text
    ct = client.get(f"/api/orders/{number}/packing").json()["cartons"][0]["number"]
    wrong = client.post(
        f"/pack/{number}",
        data={"csrf": csrf, "action": "scan", "carton": ct, "item": "SKU-2", "qty": "1"},
    )
    assert wrong.status_code == 409
    assert f"wrong item: SKU-2 is not on {number}" in wrong.text
    ok = client.post(
        f"/pack/{number}",
        data={"csrf": csrf, "action": "scan", "carton": ct, "item": "5901234123457", "qty": "2"},
    )
    assert ok.status_code == 200 and f"Packed 2 × 5901234123457 into {ct}" in ok.text
    closed = client.post(
        f"/pack/{number}", data={"csrf": csrf, "action": "close", "carton": ct, "weight_kg": "0,8"}
    )
    assert f"Carton {ct} closed at 0.8 kg" in closed.text
    assert "Ship the closed cartons" in closed.text
    stale = client.post(f"/pack/{number}", data={"csrf": "forged", "action": "open"})
    assert stale.status_code == 403
    slip = client.get(f"/slips/{number}")
    assert slip.status_code == 200
    assert "Packing slip" in slip.text and "Hex bolt M8" in slip.text and "0.8 kg" in slip.text
    assert "/static/css/print.css" in slip.text


def test_lot_tracked_items_are_packed_and_shipped_from_the_lot_that_was_picked(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice], floor: Store
) -> None:
    floor.write(post_local, [
        {"kind": "receive", "item": "SKU-LOT", "lot": "L-OLD", "expiry": "2030-01-01",
         "to": "A-02", "qty": 2},
        {"kind": "receive", "item": "SKU-LOT", "lot": "L-NEW", "expiry": "2031-01-01",
         "to": "A-02", "qty": 5},
    ], user="setup")  # fmt: skip
    order = new_order(client, "K-7", ("SKU-LOT", 3))
    line = order["lines"][0]
    assert [(r["lot"], r["qty"]) for r in line["reservations"]] == [("L-OLD", 2), ("L-NEW", 1)]
    sim = scanner()
    for reservation in line["reservations"]:
        ref = {"order_line": line["line"], "task": None, "rma": None, "count_task": None}
        sim.record("pick", "SKU-LOT", reservation["qty"], from_="A-02", to="TOTE-1", ref=ref,
                   lot=reservation["lot"])  # fmt: skip
    assert {r["outcome"] for r in sim.push()["results"]} == {"applied"}
    ct = client.post(f"/api/orders/{order['number']}/cartons", json={}).json()["number"]
    wrong_lot = client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-LOT", "qty": 2,
                                                              "lot": "L-NEW"})  # fmt: skip
    assert wrong_lot.status_code == 409 and "only 1 of the 2" in wrong_lot.json()["message"]
    packed = client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-LOT", "qty": 3}).json()
    assert [(c["lot"], c["qty"]) for c in packed["contents"]] == [("L-NEW", 1), ("L-OLD", 2)]
    client.post(f"/api/cartons/{ct}/close", json={"weight_kg": 0.3})
    ship(client, order["number"], "LOTS-1")
    assert client.get(f"/api/orders/{order['number']}").json()["status"] == "shipped"
    stock = client.get("/api/stock", params={"item": "SKU-LOT"}).json()["stock"]
    assert {(r["location"], r["lot"], r["on_hand"]) for r in stock if r["on_hand"]} == {
        ("A-02", "L-NEW", 4)}  # fmt: skip
    assert floor.read(verify) == []
