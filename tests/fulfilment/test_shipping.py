"""Shipping: closed cartons to a carrier, the ship movement, the label, delivery by hand."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from devicesim import SimDevice
from fulfilmentflow import on_hand, packed_order, picked_order, ship
from starlette.testclient import TestClient

from server.users import User


def test_shipping_posts_the_ship_movement_and_the_order_is_shipped(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice], db_path: Path
) -> None:
    order = packed_order(client, scanner(), "S-1", ("SKU-1", 5))
    number = order["number"]
    assert on_hand(client, "SKU-1", "PACK-1") == 5
    shipment = ship(client, number, "1Z999AA10123456784")
    assert (shipment["carrier"], shipment["service"]) == ("DHL", "Express")
    assert shipment["status"] == "shipped" and shipment["weight_kg"] == 2.5
    assert shipment["tracking_url"].startswith("http://testserver/track/")
    assert on_hand(client, "SKU-1", "PACK-1") == 0  # out of the building
    now = client.get(f"/api/orders/{number}").json()
    assert now["status"] == "shipped"
    conn = sqlite3.connect(db_path)
    try:
        entries = conn.execute(
            "SELECT l.code, g.qty FROM ledger g JOIN locations l ON l.id = g.location_id"
            " WHERE g.entry = 'ship' ORDER BY g.id"
        ).fetchall()
    finally:
        conn.close()
    assert entries == [("PACK-1", -5), ("CUSTOMER", 5)]
    assert (
        client.get(f"/api/shipments/{shipment['number']}").json()["cartons"][0]["weight_kg"] == 2.5
    )


def test_shipping_refuses_what_is_not_ready_or_already_used(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    sim = scanner()
    picked = picked_order(client, sim, "S-2", ("SKU-1", 1))
    body = {"carrier": "DHL", "service": "Express", "tracking_number": "TRACK-0001"}
    res = client.post(f"/api/orders/{picked['number']}/shipments", json=body)
    assert res.status_code == 409 and "once everything picked is packed" in res.json()["message"]
    packed = packed_order(client, sim, "S-3", ("SKU-2", 1), tote="TOTE-2")
    ship(client, packed["number"], "TRACK-0001")
    other = packed_order(client, sim, "S-4", ("SKU-2", 1), tote="TOTE-3")
    again = client.post(f"/api/orders/{other['number']}/shipments", json=body)
    assert again.status_code == 409
    assert again.json()["message"] == "tracking number TRACK-0001 is already on another shipment"
    for bad in (
        {**body, "tracking_number": "no spaces allowed"},
        {**body, "tracking_number": "TRACK-0002\n"},  # a final newline is not a tracking number
        {**body, "carrier": ""},
        {**body, "service": None},
    ):
        assert client.post(f"/api/orders/{other['number']}/shipments", json=bad).status_code == 400


def test_two_cartons_in_two_shipments_ship_the_order_with_the_second(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    order = picked_order(client, scanner(), "S-5", ("SKU-1", 4))
    number = order["number"]
    cartons = []
    for _ in range(2):
        ct = client.post(f"/api/orders/{number}/cartons", json={}).json()["number"]
        client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-1", "qty": 2})
        client.post(f"/api/cartons/{ct}/close", json={"weight_kg": 1})
        cartons.append(ct)
    body = {"carrier": "UPS", "service": "Ground", "cartons": [cartons[0]]}
    first = client.post(
        f"/api/orders/{number}/shipments", json={**body, "tracking_number": "UPS-1"}
    )
    assert first.status_code == 201 and first.json()["tracking_url"] is not None
    assert client.get(f"/api/orders/{number}").json()["status"] == "packed"
    again = client.post(
        f"/api/orders/{number}/shipments", json={**body, "tracking_number": "UPS-2"}
    )
    assert again.status_code == 409 and "not closed and waiting to ship" in again.json()["message"]
    second = client.post(
        f"/api/orders/{number}/shipments",
        json={**body, "cartons": [cartons[1]], "tracking_number": "UPS-3"},
    )
    assert second.status_code == 201
    assert second.json()["tracking_url"] is None  # the link made with the first still stands
    assert client.get(f"/api/orders/{number}").json()["status"] == "shipped"


def test_a_device_shipping_more_than_was_packed_is_flagged_overship(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    sim = scanner()
    order = packed_order(client, sim, "S-6", ("SKU-1", 2))
    line = order["lines"][0]["line"]
    ref = {"order_line": line, "task": None, "rma": None, "count_task": None}
    sim.record("ship", "SKU-1", 3, from_="PACK-1", ref=ref)
    [result] = sim.push()["results"]
    assert result["outcome"] == "flagged"
    assert result["conflicts"][0]["code"] == "OVERSHIP"
    assert result["message"] == f"{line}: 3 shipped of 2 packed"


def test_the_shipping_label_carries_the_tracking_number_as_code_128(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    order = packed_order(client, scanner(), "S-7", ("SKU-1", 1))
    shipment = ship(client, order["number"], "JD014600006281234567")
    page = client.get(f"/shipping-labels/{shipment['number']}")
    assert page.status_code == 200
    assert '<svg viewBox="0 0 ' in page.text
    assert 'aria-label="Code 128 barcode JD014600006281234567"' in page.text
    assert "Ada Lovelace" in page.text and "LS1 1AA" in page.text and "DHL" in page.text
    assert "/static/css/print.css" in page.text
    assert client.get("/shipping-labels/SH-404").status_code == 404
    station = client.get(f"/pack/{order['number']}").text
    assert f'<a href="/shipping-labels/{shipment["number"]}">Shipping label</a>' in station


def test_a_supervisor_marks_a_shipment_delivered_by_hand(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    order = packed_order(client, scanner(), "S-8", ("SKU-1", 1))
    shipment = ship(client, order["number"], "HAND-0001")
    res = client.post(f"/api/shipments/{shipment['number']}/delivered", json={"note": "signed"})
    assert res.status_code == 200
    assert res.json()["status"] == "delivered"
    assert [e["kind"] for e in res.json()["events"]] == ["shipped", "delivered"]
    now = client.get(f"/api/orders/{order['number']}").json()
    assert (now["status"], now["history"][-1]["by"]) == ("delivered", manager.username)
    twice = client.post(f"/api/shipments/{shipment['number']}/delivered", json={})
    assert twice.status_code == 409


def test_an_empty_carton_left_open_holds_nothing_up(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    order = picked_order(client, scanner(), "S-9", ("SKU-1", 1))
    number = order["number"]
    client.post(f"/api/orders/{number}/cartons", json={})  # opened by mistake, left empty
    ct = client.post(f"/api/orders/{number}/cartons", json={}).json()["number"]
    client.post(f"/api/cartons/{ct}/items", json={"item": "SKU-1", "qty": 1})
    client.post(f"/api/cartons/{ct}/close", json={"weight_kg": 0.2})
    assert client.get(f"/api/orders/{number}").json()["status"] == "packed"
    ship(client, number, "EMPTY-BOX-1")
    assert client.get(f"/api/orders/{number}").json()["status"] == "shipped"
