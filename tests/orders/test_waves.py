"""Waves: allocated orders become pick lists in walk order that reach the picker's device."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.catalog import add_location
from sync.local import post_local


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    def more_totes(conn: sqlite3.Connection) -> None:
        for n in (2, 3, 4):
            add_location(conn, f"TOTE-{n}", "staging", warehouse="MAIN")

    warehouse.transact(more_totes)
    return logged_in("supervisor")


def _orders(client: TestClient) -> list[dict[str, Any]]:
    bodies = [order("W1", ("SKU-1", 10)), order("W2", ("SKU-2", 5)),
              order("W3", ("SKU-1", 5), ("SKU-2", 5))]  # fmt: skip
    return [client.post("/api/orders", json=b).json() for b in bodies]


def test_a_wave_makes_lists_with_a_tote_per_order_in_walk_order(
    client: TestClient, manager: User
) -> None:
    made = _orders(client)
    res = client.post("/api/waves", json={"orders_per_list": 2})
    assert res.status_code == 201
    numbers = res.json()["pick_lists"]
    assert len(numbers) == 2
    lists = [client.get(f"/api/pick-lists/{n}").json() for n in numbers]
    first = lists[0]["tasks"]
    assert [t["walk"] for t in first] == list(range(1, len(first) + 1))
    assert {t["order_line"] for t in first} == {
        f"{made[0]['number']}/1", f"{made[1]['number']}/1"}  # fmt: skip
    totes = {t["order_line"].split("/")[0]: t["tote"] for lst in lists for t in lst["tasks"]}
    assert len(set(totes.values())) == 3  # one tote per order
    # the same reservations are never listed twice
    assert client.post("/api/waves", json={}).json() == {"pick_lists": []}


def test_an_assigned_list_reaches_the_pickers_device_and_is_worked_offline(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = _orders(client)
    [number] = client.post("/api/waves", json={"orders_per_list": 5}).json()["pick_lists"]
    picker = make_user("picker")
    sim = SimDevice.register(client, username=picker.username,
                             password="correct-horse-battery")  # fmt: skip
    sim.pull_all()
    res = client.post(f"/api/pick-lists/{number}/assign", json={"username": picker.username})
    assert res.json()["assigned_to"] == picker.username
    tasks = [t for page in sim.pull_all() for t in page["changes"]["tasks"]]
    assert len(tasks) == 4
    for task in sorted(tasks, key=lambda t: t["walk"]):  # offline from here on
        ref = {"order_line": task["order_line"], "task": task["id"], "rma": None,
               "count_task": None}  # fmt: skip
        sim.record("pick", task["item"], task["qty"], from_=task["location"], to=task["tote"],
                   ref=ref)  # fmt: skip
    assert {r["outcome"] for r in sim.push()["results"]} == {"applied"}
    statuses = {client.get(f"/api/orders/{o['number']}").json()["status"] for o in made}
    assert statuses == {"picked"}


def test_no_free_tote_refuses_the_wave(client: TestClient, manager: User, warehouse: Store) -> None:
    def fill_totes(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE locations SET active = 0 WHERE kind = 'staging'")

    warehouse.transact(fill_totes)
    _orders(client)
    res = client.post("/api/waves", json={})
    assert res.status_code == 409
    assert "no free totes" in res.json()["message"]


def test_pickers_cannot_build_waves(
    client: TestClient, warehouse: Store, logged_in: Callable[..., User]
) -> None:
    logged_in("picker")
    assert client.post("/api/waves", json={}).status_code == 403


def test_an_order_picked_in_part_without_a_list_is_waved_for_the_rest(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    """A picker who takes some of an order before any wave (no task) starts the
    order; the units still reserved for it must still reach a pick list."""
    made = client.post("/api/orders", json=order("W9", ("SKU-1", 10))).json()
    number = made["number"]
    [reserved] = client.get(f"/api/orders/{number}").json()["lines"][0]["reservations"]
    picker = make_user("picker")
    sim = SimDevice.register(client, username=picker.username,
                             password="correct-horse-battery")  # fmt: skip
    sim.pull_all()
    ref = {"order_line": f"{number}/1", "task": None, "rma": None, "count_task": None}
    sim.record("pick", "SKU-1", 4, from_=reserved["location"], to="TOTE-2", ref=ref)
    assert sim.push()["results"][0]["outcome"] == "applied"
    assert client.get(f"/api/orders/{number}").json()["status"] == "picking"

    [listed] = client.post("/api/waves", json={}).json()["pick_lists"]
    [task] = client.get(f"/api/pick-lists/{listed}").json()["tasks"]
    assert (task["order_line"], task["location"], task["qty"]) == (
        f"{number}/1", reserved["location"], 6)  # fmt: skip
    assert client.post(f"/api/pick-lists/{listed}/assign", json={"username": picker.username})
    [pulled] = [t for page in sim.pull_all() for t in page["changes"]["tasks"]]
    sim.record("pick", "SKU-1", 6, from_=reserved["location"], to=pulled["tote"],
               ref={**ref, "task": pulled["id"]})  # fmt: skip
    assert sim.push()["results"][0]["outcome"] == "applied"
    assert client.get(f"/api/orders/{number}").json()["status"] == "picked"


def test_an_order_whose_wave_ran_out_of_totes_in_one_zone_is_waved_there_later(
    client: TestClient, manager: User, warehouse: Store, make_user: Callable[..., User]
) -> None:
    """A two-zone order listed in its first zone only (no tote was left for the
    second) is being picked when the next wave runs: its second zone must be listed."""

    def second_zone_and_one_tote(conn: sqlite3.Connection) -> None:
        add_location(conn, "B-01", "pick", warehouse="MAIN", zone="B", pick_seq=20)
        conn.execute("UPDATE locations SET active = 0 WHERE code IN ('TOTE-2', 'TOTE-3', 'TOTE-4')")

    warehouse.transact(second_zone_and_one_tote)
    warehouse.write(post_local, [{"kind": "transfer", "item": "SKU-2", "from": "A-01",
                                  "to": "B-01", "qty": 50}], user="setup")  # fmt: skip
    number = client.post("/api/orders", json=order("W8", ("SKU-1", 3), ("SKU-2", 2))).json()[
        "number"
    ]
    [first] = client.post("/api/waves", json={}).json()["pick_lists"]
    [task] = client.get(f"/api/pick-lists/{first}").json()["tasks"]
    assert (task["item"], task["location"], task["tote"]) == ("SKU-1", "A-01", "TOTE-1")

    picker = make_user("picker")
    sim = SimDevice.register(client, username=picker.username,
                             password="correct-horse-battery")  # fmt: skip
    client.post(f"/api/pick-lists/{first}/assign", json={"username": picker.username})
    [pulled] = [t for page in sim.pull_all() for t in page["changes"]["tasks"]]
    sim.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1",
               ref={"order_line": pulled["order_line"], "task": pulled["id"], "rma": None,
                    "count_task": None})  # fmt: skip
    assert sim.push()["results"][0]["outcome"] == "applied"
    assert client.get(f"/api/orders/{number}").json()["status"] == "picking"

    warehouse.transact(lambda conn: conn.execute(
        "UPDATE locations SET active = 1 WHERE code = 'TOTE-2'"))  # fmt: skip
    [second] = client.post("/api/waves", json={}).json()["pick_lists"]
    [task] = client.get(f"/api/pick-lists/{second}").json()["tasks"]
    assert (task["order_line"], task["location"], task["qty"], task["tote"]) == (
        f"{number}/2", "B-01", 2, "TOTE-2")  # fmt: skip
