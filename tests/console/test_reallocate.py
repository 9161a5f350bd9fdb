"""Reallocating an overpick: the extra units go to lines that need them, the rest back."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from consolecalls import only_conflict, order_body, resolve, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.catalog import add_location
from sync.verify import verify


@pytest.fixture
def totes(warehouse: Store) -> Store:
    def more(conn: sqlite3.Connection) -> None:
        for n in (2, 3):
            add_location(conn, f"TOTE-{n}", "staging", warehouse="MAIN")

    warehouse.transact(more)
    return warehouse


def _order(client: TestClient, ref: str, qty: int, priority: int = 5) -> dict[str, Any]:
    res = client.post("/api/orders", json={**order_body(ref, "SKU-1", qty), "priority": priority})
    assert res.status_code == 201, res.text
    return dict(res.json())


def _ref(line: str, task: str | None = None) -> dict[str, Any]:
    return {"order_line": line, "task": task, "rma": None, "count_task": None}


def _overpick(
    client: TestClient, make_sim: Callable[..., SimDevice], line: str, tote: str = "TOTE-1"
) -> tuple[SimDevice, dict[str, Any]]:
    """Two pickers pick the same 30-unit line into a tote: bob's is the overpick."""
    ana, bob = make_sim("ana", "picker"), make_sim("bob", "picker")
    ana.record("pick", "SKU-1", 30, from_="A-01", to=tote, ref=_ref(line))
    ana.push()
    bob.record("pick", "SKU-1", 30, from_="A-01", to=tote, ref=_ref(line))
    assert bob.push()["results"][0]["outcome"] == "flagged"
    return bob, only_conflict(client, code="OVERPICK")


def _order_status(client: TestClient, number: str) -> str:
    return str(client.get(f"/api/orders/{number}").json()["status"])


def _tasks(sim: SimDevice) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for page in sim.pull_all() for t in page["changes"]["tasks"]}


def test_the_extra_units_go_to_the_most_urgent_backordered_lines_first(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    first = _order(client, "R-1", 30)
    line = first["lines"][0]["line"]
    _, row = _overpick(client, make_sim, line)
    # ordered after the overpick: A-01's 40 left go to R-2, R-3 gets none
    later = _order(client, "R-2", 80)  # 40 short
    urgent = _order(client, "R-3", 5, priority=1)  # 5 short
    assert (later["status"], urgent["status"]) == ("backordered", "backordered")
    refused = resolve(client, row["id"], action="reallocate", reason="x", qty=31)
    assert refused.status_code == 400 and "at most 30" in refused.json()["message"]

    done = resolve(client, row["id"], action="reallocate", reason="give them to who needs")
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["qty"] == 30
    assert [(r["order_line"], r["qty"], r["order_allocated"]) for r in body["reallocated"]] == [
        (urgent["lines"][0]["line"], 5, True),  # priority 1 first
        (later["lines"][0]["line"], 25, False),  # still 15 short
    ]
    assert body["put_backs"] == []
    assert (_order_status(client, urgent["number"]), _order_status(client, later["number"])) == (
        "allocated",
        "backordered",
    )
    reserved = client.get(f"/api/orders/{urgent['number']}").json()["lines"][0]["reservations"]
    assert reserved == [{"location": "TOTE-1", "lot": None, "qty": 5}]
    # nothing moved in the ledger: the units are where the pickers put them
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-1", "TOTE-1")) == (40, 60)
    assert store.read(verify) == []


def _reserved_at(client: TestClient, location: str, *numbers: str) -> int:
    return sum(
        r["qty"]
        for number in numbers
        for line in client.get(f"/api/orders/{number}").json()["lines"]
        for r in line["reservations"]
        if r["location"] == location
    )


def test_units_taken_from_another_orders_reservation_go_back_to_its_bin_first(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    first = _order(client, "R-1", 30)
    later = _order(client, "R-2", 80)  # A-01's other 70 are promised to it: 10 short
    urgent = _order(client, "R-3", 5, priority=1)  # 5 short
    line = first["lines"][0]["line"]
    bob, row = _overpick(client, make_sim, line)
    # bob's 30 were R-2's: A-01 holds 40 of the 70 it has promised
    assert stock(client, "SKU-1", "A-01") == 40
    assert _reserved_at(client, "A-01", later["number"]) == 70

    done = resolve(client, row["id"], action="reallocate", reason="give them to who needs")
    assert done.status_code == 201, done.text
    body = done.json()
    # none for R-3 or R-2's backorder: the same units would be promised twice
    assert body["reallocated"] == []
    [back] = body["put_backs"]
    assert (back["qty"], back["to"]) == (30, "A-01")
    assert (_order_status(client, urgent["number"]), _order_status(client, later["number"])) == (
        "backordered",
        "backordered",
    )
    page = client.get(f"/console/conflicts/{row['id']}")
    assert f"30 to put back to A-01 ({back['task']})" in page.text

    # the put-back reaches the picker and is done by a movement like any other
    task = _tasks(bob)[back["task"]]
    assert (task["kind"], task["location"], task["to"], task["qty"]) == (
        "putback",
        "TOTE-1",
        "A-01",
        30,
    )
    bob.record("putaway", "SKU-1", 30, from_="TOTE-1", to="A-01", ref=_ref(line, task["id"]))
    assert bob.push()["results"][0]["outcome"] == "applied"
    assert _tasks(bob)[task["id"]]["status"] == "done"
    # A-01 again holds what it promised, and nothing is promised twice
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-1", "TOTE-1")) == (70, 30)
    assert _reserved_at(client, "A-01", later["number"], urgent["number"]) == 70
    assert _reserved_at(client, "TOTE-1", later["number"], urgent["number"]) == 0
    assert store.read(verify) == []


def test_a_named_bin_gets_what_the_bin_picked_from_is_not_owed(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    first = _order(client, "R-1", 30)
    later = _order(client, "R-2", 50)  # reserved in full at A-01, 20 of A-01's units free
    assert later["status"] == "allocated"
    _, row = _overpick(client, make_sim, first["lines"][0]["line"])
    assert (stock(client, "SKU-1", "A-01"), _reserved_at(client, "A-01", later["number"])) == (
        40,
        50,
    )

    done = resolve(client, row["id"], action="reallocate", reason="A-02 has room", location="A-02")
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["reallocated"] == []  # no other line wants SKU-1
    assert [(b["qty"], b["to"]) for b in body["put_backs"]] == [(10, "A-01"), (20, "A-02")]
    page = client.get(f"/console/conflicts/{row['id']}").text
    assert "10 to put back to A-01" in page and "20 to put back to A-02" in page
    assert store.read(verify) == []


def test_a_line_on_an_open_pick_list_gets_a_task_for_the_units(
    client: TestClient,
    make_sim: Callable[..., SimDevice],
    supervisor: User,
    totes: Store,
    store: Store,
) -> None:
    # R-2 has a second line, so its list is still open after the short pick below
    body = order_body("R-2", "SKU-1", 20)
    body["lines"].append({"item": "SKU-2", "qty": 1})
    res = client.post("/api/orders", json=body)
    assert res.status_code == 201, res.text
    waiting = res.json()
    [number] = client.post("/api/waves", json={}).json()["pick_lists"]
    pat = make_sim("pat", "picker")
    assert client.post(f"/api/pick-lists/{number}/assign", json={"username": pat.user}).is_success
    picks = [t for t in _tasks(pat).values() if t["kind"] == "pick"]
    [task] = [t for t in picks if t["item"] == "SKU-1"]
    [other] = [t for t in picks if t["item"] == "SKU-2"]
    first = _order(client, "R-1", 30)
    assert task["tote"] != "TOTE-3"
    _, row = _overpick(client, make_sim, first["lines"][0]["line"], "TOTE-3")
    # pat finds only 5 and says why: no other bin has any, so R-2 is backordered
    line2 = waiting["lines"][0]["line"]
    pat.record("pick", "SKU-1", 5, from_="A-01", to=task["tote"], ref=_ref(line2, task["id"]),
               reason="short: damaged")  # fmt: skip
    pat.push()
    assert _order_status(client, waiting["number"]) == "backordered"

    done = resolve(client, row["id"], action="reallocate", reason="R-2 is short", qty=20)
    assert done.status_code == 201, done.text
    [given] = done.json()["reallocated"]
    assert (given["order_line"], given["qty"]) == (line2, 15)
    assert [b["qty"] for b in done.json()["put_backs"]] == [5]
    assert _order_status(client, waiting["number"]) == "allocated"
    new = _tasks(pat)[given["task"]]
    assert (new["kind"], new["location"], new["tote"], new["qty"], new["order_line"]) == (
        "pick",
        "TOTE-3",
        task["tote"],
        15,
        line2,
    )
    pat.record("pick", "SKU-1", 15, from_="TOTE-3", to=task["tote"], ref=_ref(line2, new["id"]))
    assert pat.push()["results"][0]["outcome"] == "applied"  # not an overpick of its own
    assert _order_status(client, waiting["number"]) == "picking"
    line3 = waiting["lines"][1]["line"]
    pat.record("pick", "SKU-2", 1, from_="A-01", to=task["tote"], ref=_ref(line3, other["id"]))
    assert pat.push()["results"][0]["outcome"] == "applied"
    assert _order_status(client, waiting["number"]) == "picked"
    assert stock(client, "SKU-1", task["tote"]) == 20
    # R-1 gave up 20 of the 30 extra units and is still picked
    assert client.get(f"/api/orders/{first['number']}").json()["status"] == "picked"
    assert store.read(verify) == []


def test_a_line_whose_list_finished_short_is_picked_from_the_next_wave(
    client: TestClient,
    make_sim: Callable[..., SimDevice],
    supervisor: User,
    totes: Store,
    store: Store,
) -> None:
    waiting = _order(client, "R-2", 20)
    [number] = client.post("/api/waves", json={}).json()["pick_lists"]
    pat = make_sim("pat", "picker")
    assert client.post(f"/api/pick-lists/{number}/assign", json={"username": pat.user}).is_success
    [task] = [t for t in _tasks(pat).values() if t["kind"] == "pick"]
    first = _order(client, "R-1", 30)
    _, row = _overpick(client, make_sim, first["lines"][0]["line"], "TOTE-3")
    line2 = waiting["lines"][0]["line"]
    # the list's only task ends short, so the list is done
    pat.record("pick", "SKU-1", 5, from_="A-01", to=task["tote"], ref=_ref(line2, task["id"]),
               reason="short: damaged")  # fmt: skip
    pat.push()
    assert _order_status(client, waiting["number"]) == "backordered"

    done = resolve(client, row["id"], action="reallocate", reason="R-2 is short", qty=20)
    assert done.status_code == 201, done.text
    [given] = done.json()["reallocated"]
    assert (given["order_line"], given["qty"], given["task"]) == (line2, 15, None)
    assert _order_status(client, waiting["number"]) == "allocated"
    # the next wave picks the 15 units from where they wait
    [again] = client.post("/api/waves", json={}).json()["pick_lists"]
    assert client.post(f"/api/pick-lists/{again}/assign", json={"username": pat.user}).is_success
    [new] = [t for t in _tasks(pat).values() if t["kind"] == "pick" and t["status"] == "open"]
    assert (new["location"], new["qty"], new["order_line"]) == ("TOTE-3", 15, line2)
    pat.record("pick", "SKU-1", 15, from_="TOTE-3", to=new["tote"], ref=_ref(line2, new["id"]))
    assert pat.push()["results"][0]["outcome"] == "applied"
    assert _order_status(client, waiting["number"]) == "picked"
    assert store.read(verify) == []


def test_an_overpick_of_a_cancelled_order_is_not_reallocated(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    """Its cancel gave all 60 units in the tote a put-back: reallocating the 30
    extra too would promise them twice (to another order, and back to the bin)."""
    first = _order(client, "R-9", 30)
    _, row = _overpick(client, make_sim, first["lines"][0]["line"])
    cancelled = client.post(f"/api/orders/{first['number']}/cancel", json={"reason": "called"})
    assert cancelled.status_code == 200, cancelled.text
    waiting = _order(client, "R-10", 60)  # would take the tote's units

    refused = resolve(client, row["id"], action="reallocate", reason="give them away")
    assert refused.status_code == 400, refused.text
    assert refused.json()["message"] == (
        f"{first['number']} was cancelled: its put-back tasks return all it picked,"
        " the extra units too; accept this conflict instead"
    )
    again = client.get(f"/api/orders/{waiting['number']}").json()
    assert [r["location"] for r in again["lines"][0]["reservations"]] == ["A-01"]
    assert (
        resolve(client, row["id"], action="accept", reason="the put-back has them").status_code
        == 201
    )
    assert store.read(verify) == []
