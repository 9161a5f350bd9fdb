"""Count tasks: made by a supervisor, pulled by devices beside the pick tasks
(kind "count"), done when a count naming them is recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User

PASSWORD = "correct-horse-battery"


@pytest.fixture
def counter_sim(client: TestClient, make_user: Callable[..., User], warehouse: Store) -> SimDevice:
    user = make_user("counter")
    sim = SimDevice.register(client, username=user.username, password=PASSWORD, name="counter")
    sim.pull_all()
    return sim


def _tasks(sim: SimDevice) -> list[dict[str, Any]]:
    return [t for page in sim.pull_all() for t in page["changes"]["tasks"] if t["kind"] == "count"]


def test_a_count_task_reaches_devices_blind_and_is_done_by_a_count(
    client: TestClient, logged_in: Callable[..., User], counter_sim: SimDevice
) -> None:
    logged_in("supervisor")
    made = client.post("/api/count-tasks", json={"location": "LOC-A-01", "item": "5901234123457"})
    assert made.status_code == 201, made.text
    task = made.json()
    assert task["id"].startswith("CT-")
    assert (task["kind"], task["task_kind"], task["location"], task["item"]) == (
        "count", "count", "A-01", "SKU-1")  # fmt: skip
    assert task["blind"] is True and task["status"] == "open"
    assert "expected" not in task and "on_hand" not in task  # blind: nothing to give it away

    (pulled,) = _tasks(counter_sim)
    assert pulled["id"] == task["id"] and pulled["status"] == "open"
    assert _tasks(counter_sim) == []  # nothing new since

    counter_sim.record("count", "SKU-1", 100, to="A-01",
                       ref={"count_task": task["id"]})  # fmt: skip
    (result,) = counter_sim.push()["results"]
    assert result["outcome"] == "applied"
    (done,) = _tasks(counter_sim)
    assert done["id"] == task["id"] and done["status"] == "done"


def test_a_recount_that_is_not_blind_for_one_user(
    client: TestClient,
    logged_in: Callable[..., User],
    make_user: Callable[..., User],
    counter_sim: SimDevice,
) -> None:
    other = make_user("counter")
    logged_in("supervisor")
    made = client.post(
        "/api/count-tasks",
        json={"location": "A-02", "kind": "recount", "blind": False, "assigned_to": other.username},
    )
    assert made.status_code == 201, made.text
    assert made.json()["task_kind"] == "recount" and made.json()["blind"] is False
    assert _tasks(counter_sim) == []  # another counter's task
    theirs = SimDevice.register(client, username=other.username, password=PASSWORD)
    (pulled,) = _tasks(theirs)
    assert pulled["location"] == "A-02" and pulled["item"] is None


def test_a_rejected_count_leaves_the_task_open(
    client: TestClient, logged_in: Callable[..., User], counter_sim: SimDevice
) -> None:
    logged_in("supervisor")
    task = client.post("/api/count-tasks", json={"location": "A-03"}).json()
    _tasks(counter_sim)
    counter_sim.record("count", "SKU-1", -1, to="A-03", ref={"count_task": task["id"]})
    (result,) = counter_sim.push()["results"]
    assert result["outcome"] == "rejected"
    assert _tasks(counter_sim) == []  # unchanged: still open


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "location"),
        ({"location": "NOWHERE"}, "no location NOWHERE"),
        ({"location": "INVENTORY"}, "no location INVENTORY"),
        ({"location": "A-01", "item": "NO-SUCH"}, "no item"),
        ({"location": "A-01", "kind": "audit"}, "count or recount"),
        ({"location": "A-01", "blind": "yes"}, "blind"),
        ({"location": "A-01", "lot": "L1"}, "give the item"),
        ({"location": "A-01", "item": "SKU-1", "lot": "L1"}, "SKU-1 is not tracked by lot"),
        ({"location": "A-01", "assigned_to": "nobody"}, "no active user"),
        ({"location": "A-01", "colour": "red"}, "unknown fields"),
    ],
)
def test_bad_count_tasks_are_refused_clearly(
    client: TestClient,
    logged_in: Callable[..., User],
    warehouse: Store,
    body: dict[str, Any],
    message: str,
) -> None:
    logged_in("admin")
    answer = client.post("/api/count-tasks", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_request"
    assert message in answer.json()["message"]


def _task_status(store: Store, task_id: str) -> str:
    number = int(task_id.removeprefix("CT-"))
    query = "SELECT status FROM count_tasks WHERE id = ?"
    return str(store.read(lambda c: c.execute(query, (number,)).fetchone()[0]))


@pytest.mark.parametrize(
    ("task", "count"),
    [
        ({"location": "A-04"}, ("SKU-1", 3, "A-02")),  # another bin
        ({"location": "A-01", "item": "SKU-1"}, ("SKU-2", 3, "A-01")),  # the bin, another item
        ({"location": "A-01", "item": "SKU-1"}, ("SKU-1", 100, "A-02")),  # the item, another bin
    ],
    ids=["other bin", "other item", "item elsewhere"],
)
def test_a_count_of_another_place_naming_a_task_leaves_it_open(
    client: TestClient,
    logged_in: Callable[..., User],
    make_user: Callable[..., User],
    counter_sim: SimDevice,
    store: Store,
    task: dict[str, Any],
    count: tuple[str, int, str],
) -> None:
    logged_in("supervisor")
    made = client.post("/api/count-tasks", json={**task, "assigned_to": counter_sim.user})
    assert made.status_code == 201, made.text
    task_id = made.json()["id"]
    picker = SimDevice.register(client, username=make_user("picker").username, password=PASSWORD)
    picker.pull_all()
    item, qty, where = count
    picker.record("count", item, qty, to=where, ref={"count_task": task_id})
    (result,) = picker.push()["results"]
    assert result["outcome"] in ("applied", "held"), result  # a count like any other
    assert _task_status(store, task_id) == "open"
    (pulled,) = _tasks(counter_sim)
    assert pulled["status"] == "open"  # still on the counter's list

    # the task's own count still closes it
    counter_sim.record("count", task.get("item", "SKU-1"), 100, to=task["location"],
                       ref={"count_task": task_id})  # fmt: skip
    (result,) = counter_sim.push()["results"]
    assert result["outcome"] in ("applied", "held"), result
    assert _task_status(store, task_id) == "done"
    (done,) = _tasks(counter_sim)
    assert done["id"] == task_id and done["status"] == "done"


def test_a_held_count_of_the_tasks_bin_closes_it(
    client: TestClient, logged_in: Callable[..., User], counter_sim: SimDevice, store: Store
) -> None:
    logged_in("supervisor")
    task = client.post("/api/count-tasks", json={"location": "LOC-A-01", "item": "SKU-2"}).json()
    counter_sim.record("count", "4006381333931", 7, to="LOC-A-01", ref={"count_task": task["id"]})
    (result,) = counter_sim.push()["results"]
    assert (result["outcome"], result["code"]) == ("held", "COUNT_VARIANCE")  # 7 of 50
    assert _task_status(store, task["id"]) == "done"  # the counting was done
