"""A short pick of nothing (the bin is empty) travels as a count of 0 at the
task's bin naming the task, with a reason: the task ends short, the line is
allocated again or backordered and flagged SHORT_PICK, like any short pick."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from intake.floor import more_totes, on_hand, tasks, wave_for
from orders.orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.local import post_local


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    more_totes(warehouse)
    return logged_in("supervisor")


def _empty_bin(
    sim: SimDevice, task: dict[str, Any], reason: str | None = "short: not found"
) -> None:
    ref = {"order_line": task["order_line"], "task": task["id"], "rma": None, "count_task": None}
    sim.record("count", task["item"], 0, to=task["location"], ref=ref, note=reason)


def test_an_empty_bin_backorders_the_line_and_flags_short_pick(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("Z-1", ("SKU-2", 20))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    _empty_bin(sim, task)
    [result] = sim.push()["results"]
    # the bin's book (50) disagrees with the count: held for a supervisor
    assert result["outcome"] == "held"
    assert [c["code"] for c in result["conflicts"]] == ["COUNT_VARIANCE", "SHORT_PICK"]
    now = client.get(f"/api/orders/{made['number']}").json()
    assert (now["status"], now["lines"][0]["reserved"]) == ("backordered", 0)
    assert now["history"][-1]["note"] == f"short pick {task['order_line']}: 20 missing"
    assert {t["id"]: t["status"] for t in tasks(sim)}[task["id"]] == "done"
    assert on_hand(client, "SKU-2", "A-01") == 50  # a held count changes nothing yet


def test_an_empty_bin_is_allocated_again_from_another_bin(
    client: TestClient, manager: User, make_user: Callable[..., User], warehouse: Store
) -> None:
    warehouse.write(post_local, [
        {"kind": "receive", "item": "SKU-1", "to": "DOCK", "qty": 20},
        {"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "A-03", "qty": 20},
    ], user="setup")  # fmt: skip
    made = client.post("/api/orders", json=order("Z-2", ("SKU-1", 8))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    assert task["location"] == "A-01"
    _empty_bin(sim, task)
    [result] = sim.push()["results"]
    assert "SHORT_PICK" not in [c["code"] for c in result["conflicts"]]
    changed = {t["id"]: t for t in tasks(sim)}
    assert changed[task["id"]]["status"] == "done"
    [extra] = [t for t in changed.values() if t["id"] != task["id"]]
    assert (extra["location"], extra["qty"], extra["tote"], extra["status"]) == (
        "A-03", 8, task["tote"], "open")  # fmt: skip
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "allocated"


def test_a_count_of_zero_without_a_reason_is_only_a_count(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("Z-3", ("SKU-2", 5))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    _empty_bin(sim, task, reason=None)
    [result] = sim.push()["results"]
    assert [c["code"] for c in result["conflicts"]] == ["COUNT_VARIANCE"]
    assert tasks(sim) == []  # the task is still open, unchanged
    now = client.get(f"/api/orders/{made['number']}").json()
    assert (now["status"], now["lines"][0]["reserved"]) == ("allocated", 5)


def test_accepting_the_count_of_an_empty_bin_settles_it(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("Z-4", ("SKU-2", 10))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    _empty_bin(sim, task)
    [result] = sim.push()["results"]
    variance, _ = result["conflicts"]
    # the bin really is empty: the count is accepted, the book follows it
    res = client.post(f"/api/conflicts/{variance['id']}/resolve",
                      json={"action": "accept", "reason": "counted it myself"})  # fmt: skip
    assert res.status_code == 201, res.text
    assert on_hand(client, "SKU-2", "A-01") == 0
    # one resolution settles the held movement, its SHORT_PICK with it (already
    # backordered; the detail page showed both)
    stored = client.get(f"/api/movements/{result['id']}").json()
    assert [(c["code"], c["state"]) for c in stored["conflicts"]] == [
        ("COUNT_VARIANCE", "resolved"), ("SHORT_PICK", "resolved")]  # fmt: skip
    assert (stored["outcome"], stored["state"]) == ("held", "applied")
