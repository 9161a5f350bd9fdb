"""Cancelling an order on the floor: tasks not yet picked are cancelled on the
picker's device, picked units get put-back tasks, and the put-back is a movement."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from intake.floor import more_totes, on_hand, pick, tasks, wave_for
from orders.orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    more_totes(warehouse)
    return logged_in("supervisor")


def test_cancel_after_a_partial_pick_puts_back_and_cancels_the_rest(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("C-1", ("SKU-1", 10), ("SKU-2", 5))).json()
    sim, by_line = wave_for(client, make_user)
    first, second = by_line[f"{made['number']}/1"], by_line[f"{made['number']}/2"]
    assert (first["status"], second["status"]) == ("open", "open")
    pick(sim, first)
    assert sim.push()["results"][0]["outcome"] == "applied"
    assert on_hand(client, "SKU-1", first["tote"]) == 10

    res = client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "customer called"})
    assert res.status_code == 200, res.text
    now = res.json()
    assert now["status"] == "cancelled"
    assert [line["reserved"] for line in now["lines"]] == [0, 0]  # the rest is released
    pulled = {t["id"]: t for t in tasks(sim)}
    assert pulled[second["id"]]["status"] == "cancelled"  # the device must not pick it
    [putback] = [t for t in pulled.values() if t["kind"] == "putback"]
    assert (putback["item"], putback["location"], putback["to"], putback["qty"],
            putback["status"]) == ("SKU-1", first["tote"], "A-01", 10, "open")  # fmt: skip
    assert on_hand(client, "SKU-2", "A-01") == 50  # nothing of line 2 moved

    ref = {"order_line": None, "task": putback["id"], "rma": None, "count_task": None}
    sim.record("putaway", "SKU-1", 10, from_=putback["location"], to=putback["to"], ref=ref)
    assert sim.push()["results"][0]["outcome"] == "applied"
    assert (on_hand(client, "SKU-1", first["tote"]), on_hand(client, "SKU-1", "A-01")) == (0, 100)
    assert {t["id"]: t["status"] for t in tasks(sim)}[putback["id"]] == "done"
    # all 100 are free to promise again
    again = client.post("/api/orders", json=order("C-2", ("SKU-1", 100))).json()
    assert again["status"] == "allocated"


def test_a_pick_recorded_offline_after_the_cancel_gets_a_putback_too(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("C-3", ("SKU-2", 5))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    pick(sim, task)  # offline: the device does not know yet
    client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "fraud check"})
    [result] = sim.push()["results"]
    assert result["outcome"] == "flagged"
    assert [c["code"] for c in result["conflicts"]] == ["ORDER_CLOSED"]
    [putback] = [t for t in tasks(sim) if t["kind"] == "putback"]
    assert (putback["location"], putback["to"], putback["qty"]) == (task["tote"], "A-01", 5)


def test_a_putback_naming_a_finished_task_is_flagged(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("C-4", ("SKU-1", 2))).json()
    sim, by_line = wave_for(client, make_user)
    pick(sim, by_line[f"{made['number']}/1"])
    sim.push()
    client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "duplicate"})
    [putback] = [t for t in tasks(sim) if t["kind"] == "putback"]
    ref = {"order_line": None, "task": putback["id"], "rma": None, "count_task": None}
    for _ in range(2):  # the second one names a task already done
        sim.record("putaway", "SKU-1", 2, from_=putback["location"], to="A-01", ref=ref)
    first, second = sim.push()["results"]
    assert first["outcome"] == "applied"
    assert second["outcome"] == "flagged"
    assert [c["code"] for c in second["conflicts"]] == ["PUTBACK_UNEXPECTED", "NEGATIVE_STOCK"]


def test_cancelling_an_allocated_order_on_an_open_list_cancels_its_tasks(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("C-5", ("SKU-1", 4))).json()
    other = client.post("/api/orders", json=order("C-6", ("SKU-2", 4))).json()
    sim, by_line = wave_for(client, make_user)
    client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "changed mind"})
    task = by_line[f"{made['number']}/1"]
    changed = tasks(sim)
    assert [(t["id"], t["status"]) for t in changed] == [(task["id"], "cancelled")]
    listed = client.get(f"/api/pick-lists/{task['list']}").json()
    assert {t["order_line"]: t["status"] for t in listed["tasks"]} == {
        f"{made['number']}/1": "cancelled", f"{other['number']}/1": "open"}  # fmt: skip
