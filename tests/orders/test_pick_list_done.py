"""A pick list is done when none of its tasks is open: done, short-closed or
cancelled.  The API, the order page and the picker's pull show it, and the
next wave can use its totes again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from intake.floor import pick, tasks, wave_for
from orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.local import post_local


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


def test_the_last_pick_makes_the_list_done_and_the_device_learns_it(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("L-1", ("SKU-1", 3), ("SKU-2", 2))).json()
    sim, by_line = wave_for(client, make_user)
    first, second = by_line[f"{made['number']}/1"], by_line[f"{made['number']}/2"]
    number = first["list"]
    pick(sim, first)
    sim.push()
    listed = client.get(f"/api/pick-lists/{number}").json()
    assert (listed["status"], listed["done_at"]) == ("open", None)
    assert [(t["id"], t["list_status"]) for t in tasks(sim)] == [(first["id"], "open")]

    pick(sim, second)
    sim.push()
    listed = client.get(f"/api/pick-lists/{number}").json()
    assert listed["status"] == "done"
    assert listed["done_at"] is not None
    # every task of the list comes again, with the list done: it leaves the device's work
    assert sorted((t["id"], t["status"], t["list_status"]) for t in tasks(sim)) == sorted(
        [(first["id"], "done", "done"), (second["id"], "done", "done")])  # fmt: skip
    page = client.get(f"/orders/{made['number']}")
    assert f"{number} (done)" in page.text


def test_a_short_pick_closes_the_list_only_when_nothing_is_left_to_pick(
    client: TestClient, manager: User, make_user: Callable[..., User], warehouse: Store
) -> None:
    warehouse.write(post_local, [
        {"kind": "receive", "item": "SKU-1", "to": "DOCK", "qty": 5},
        {"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "A-03", "qty": 5},
    ], user="setup")  # fmt: skip
    made = client.post("/api/orders", json=order("L-2", ("SKU-1", 10))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    pick(sim, task, 8, reason="only 8")  # 2 more are found in A-03: a new task, same list
    sim.push()
    [extra] = [t for t in tasks(sim) if t["id"] != task["id"]]
    assert client.get(f"/api/pick-lists/{task['list']}").json()["status"] == "open"
    pick(sim, extra, 1, reason="only 1 there")  # short again: the last unit from A-01
    sim.push()
    [last] = [t for t in tasks(sim) if t["status"] == "open"]
    assert (last["location"], last["qty"]) == ("A-01", 1)
    assert client.get(f"/api/pick-lists/{task['list']}").json()["status"] == "open"
    pick(sim, last)
    sim.push()
    listed = client.get(f"/api/pick-lists/{task['list']}").json()
    assert listed["status"] == "done"  # two tasks short-closed, one done
    assert [(t["qty"], t["status"]) for t in listed["tasks"]] == [
        (10, "done"), (2, "done"), (1, "done")]  # fmt: skip
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "picked"


def test_a_list_whose_open_tasks_are_cancelled_is_done(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("L-3", ("SKU-1", 2), ("SKU-2", 1))).json()
    sim, by_line = wave_for(client, make_user)
    first = by_line[f"{made['number']}/1"]
    pick(sim, first)
    sim.push()
    client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "fraud check"})
    listed = client.get(f"/api/pick-lists/{first['list']}").json()
    assert listed["status"] == "done"
    assert [t["status"] for t in listed["tasks"]] == ["done", "cancelled"]
    pulled = [t for t in tasks(sim) if t["kind"] == "pick"]
    assert {t["list_status"] for t in pulled} == {"done"}


def test_the_tote_of_a_done_list_is_free_for_the_next_wave_once_packed_out(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    # the warehouse has one tote: a second wave needs the first list's tote back
    made = client.post("/api/orders", json=order("L-4", ("SKU-1", 2))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    assert task["tote"] == "TOTE-1"
    client.post("/api/orders", json=order("L-5", ("SKU-2", 1)))
    assert client.post("/api/waves", json={}).status_code == 409  # the tote is on an open list
    pick(sim, task)
    sim.push()
    carton = client.post(f"/api/orders/{made['number']}/cartons", json={}).json()["number"]
    client.post(f"/api/cartons/{carton}/items", json={"item": "SKU-1", "qty": 2})
    res = client.post("/api/waves", json={})
    assert res.status_code == 201, res.text
    [again] = res.json()["pick_lists"]
    [new_task] = client.get(f"/api/pick-lists/{again}").json()["tasks"]
    assert new_task["tote"] == "TOTE-1"


def test_a_short_pick_of_nothing_closes_the_list_too(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("L-6", ("SKU-2", 20))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    ref = {"order_line": task["order_line"], "task": task["id"], "rma": None, "count_task": None}
    sim.record("count", task["item"], 0, to=task["location"], ref=ref, note="short: not found")
    sim.push()
    assert client.get(f"/api/pick-lists/{task['list']}").json()["status"] == "done"
    assert [t["list_status"] for t in tasks(sim) if t["id"] == task["id"]] == ["done"]
