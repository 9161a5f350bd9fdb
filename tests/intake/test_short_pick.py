"""Short picks: the missing units come from another bin as a new task on the
picker's list, or the line is backordered and the pick flagged SHORT_PICK."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from devicesim import synced_device
from intake.floor import more_totes, on_hand, pick, tasks, wave_for
from orders.orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.local import post_local


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    more_totes(warehouse)
    warehouse.write(post_local, [
        {"kind": "receive", "item": "SKU-1", "to": "DOCK", "qty": 20},
        {"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "A-03", "qty": 20},
    ], user="setup")  # fmt: skip
    return logged_in("supervisor")


def test_a_short_pick_is_allocated_again_from_another_bin(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("S-1", ("SKU-1", 30))).json()
    client.post("/api/orders", json=order("S-0", ("SKU-1", 65)))  # A-01 has 5 left to promise
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    assert (task["location"], task["qty"]) == ("A-01", 30)
    pick(sim, task, 22, reason="only 22 in the bin")
    [result] = sim.push()["results"]
    assert (result["outcome"], result["conflicts"]) == ("applied", [])
    changed = {t["id"]: t for t in tasks(sim)}
    assert changed[task["id"]]["status"] == "done"
    [extra] = [t for t in changed.values() if t["id"] != task["id"]]
    # 8 missing; A-01 (the short bin) is skipped, A-03 has 20
    assert (extra["location"], extra["qty"], extra["tote"], extra["list"], extra["status"]) == (
        "A-03", 8, task["tote"], task["list"], "open")  # fmt: skip
    assert extra["walk"] > task["walk"]
    pick(sim, extra)
    sim.push()
    now = client.get(f"/api/orders/{made['number']}").json()
    assert now["status"] == "picked"
    assert on_hand(client, "SKU-1", task["tote"]) == 30


def test_a_short_pick_without_other_stock_backorders_and_flags(
    client: TestClient, manager: User, make_user: Callable[..., User], store: Store
) -> None:
    made = client.post("/api/orders", json=order("S-2", ("SKU-2", 50), ("SKU-1", 1))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    pick(sim, task, 40, reason="bin short")
    [result] = sim.push()["results"]
    assert result["outcome"] == "flagged"
    assert [c["code"] for c in result["conflicts"]] == ["SHORT_PICK"]
    assert (
        result["message"] == f"{task['order_line']}: 10 short and no other stock;"
        " the line is backordered"
    )
    now = client.get(f"/api/orders/{made['number']}").json()
    assert now["status"] == "backordered"
    assert now["lines"][0]["reserved"] == 0
    assert (now["history"][-1]["from"], now["history"][-1]["note"]) == (
        "picking", f"short pick {task['order_line']}: 10 missing")  # fmt: skip
    pick(sim, by_line[f"{made['number']}/2"])  # the other line: still waiting for stock
    sim.push()
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "backordered"
    # a supervisor corrects the bin, then stock arrives: the 10 are allocated there
    store.write(post_local, [{"kind": "adjust", "item": "SKU-2", "from": "A-01", "qty": 10,
                              "reason": "short pick"}], user="sup")  # fmt: skip
    sim.record("receive", "SKU-2", 10, to="DOCK")
    sim.record("putaway", "SKU-2", 10, from_="DOCK", to="A-04")
    sim.push()
    now = client.get(f"/api/orders/{made['number']}").json()
    assert now["status"] == "allocated"
    assert now["lines"][0]["reservations"] == [{"location": "A-04", "lot": None, "qty": 10}]
    assert client.post("/api/waves", json={}).status_code == 201  # the 10 go on a new list


def test_a_smaller_pick_without_a_reason_is_not_a_short_pick(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("S-3", ("SKU-1", 10))).json()
    sim, by_line = wave_for(client, make_user)
    task = by_line[f"{made['number']}/1"]
    pick(sim, task, 4)  # the picker takes the task in two goes
    assert sim.push()["results"][0]["conflicts"] == []
    now = client.get(f"/api/orders/{made['number']}").json()
    assert (now["status"], now["lines"][0]["reserved"]) == ("picking", 6)
    listed = client.get(f"/api/pick-lists/{task['list']}").json()["tasks"]
    assert [t["status"] for t in listed] == ["open"]
    pick(sim, task, 6)
    assert sim.push()["results"][0]["conflicts"] == []
    assert {t["id"]: t["status"] for t in tasks(sim)}[task["id"]] == "done"
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "picked"


def test_a_short_pick_allocates_again_only_what_the_line_still_lacks(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    """Another device picked 5 of the line's 10 outside the task: the task's picker
    then finds only 2 of its 10 and says so.  3 are missing, not 8: a new task for
    8 left 5 reserved for an order already picked, out of every other order's reach."""
    made = client.post("/api/orders", json=order("S-9", ("SKU-1", 10))).json()
    line = f"{made['number']}/1"
    sim, by_line = wave_for(client, make_user)
    task = by_line[line]
    other = synced_device(client, make_user, "no-list", "picker")
    other.record("pick", "SKU-1", 5, from_="A-01", to="TOTE-2", ref={"order_line": line})
    assert other.push()["results"][0]["outcome"] == "applied"

    pick(sim, task, 2, reason="only 2 in the bin")
    [result] = sim.push()["results"]
    assert (result["outcome"], result["conflicts"]) == ("applied", [])
    [extra] = [t for t in tasks(sim) if t["id"] != task["id"] and t["status"] == "open"]
    assert (extra["location"], extra["qty"]) == ("A-03", 3)
    pick(sim, extra)
    sim.push()
    now = client.get(f"/api/orders/{made['number']}").json()
    assert now["status"] == "picked"  # nothing left promised to it:
    assert (now["lines"][0]["reserved"], now["lines"][0]["reservations"]) == (0, [])
    assert on_hand(client, "SKU-1", task["tote"]) + on_hand(client, "SKU-1", "TOTE-2") == 10
