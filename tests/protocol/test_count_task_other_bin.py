"""A count naming a count task but counting another bin: a count of the bin it
names, flagged so a supervisor learns the task's bin was not counted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


@pytest.fixture
def supervisor(warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


def _task(client: TestClient, **body: Any) -> str:
    made = client.post("/api/count-tasks", json=body)
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def _task_status(store: Store, task_id: str) -> str:
    number = int(task_id.removeprefix("CT-"))
    query = "SELECT status FROM count_tasks WHERE id = ?"
    return str(store.read(lambda c: c.execute(query, (number,)).fetchone()[0]))


def _on_hand(client: TestClient, item: str, location: str) -> int:
    res = client.get("/api/stock", params={"item": item, "location": location})
    return sum(row["on_hand"] for row in res.json()["stock"])


def _count(sim: SimDevice, task_id: str, item: str, qty: int, where: str) -> dict[str, Any]:
    """A count of ``item`` at ``where`` naming the task, pushed: its result."""
    sim.record("count", item, qty, to=where, ref={"count_task": task_id})
    (result,) = sim.push()["results"]
    return dict(result)


def _other_bin(task_id: str) -> str:
    """What a count of A-01 naming a task for A-04 is told."""
    return f"{task_id} asks for a count of A-04, not A-01: the task stays open"


def _stored_conflicts(client: TestClient, movement_id: str) -> list[tuple[str, str, str]]:
    res = client.get(f"/api/movements/{movement_id}")
    assert res.status_code == 200, res.text
    return [(c["code"], c["state"], c["message"]) for c in res.json()["conflicts"]]


def test_a_count_of_another_bin_posts_there_flagged_and_the_task_stays_open(
    client: TestClient, supervisor: User, make_sim: Callable[..., SimDevice], store: Store
) -> None:
    task_id = _task(client, location="A-04")
    sim = make_sim("counter", "counter")
    result = _count(sim, task_id, "SKU-1", 98, "A-01")  # book 100

    note = _other_bin(task_id)
    assert result["outcome"] == "flagged"
    assert [c["code"] for c in result["conflicts"]] == ["COUNT_AMBIGUOUS"]
    assert result["message"] == f"count of SKU-1 at A-01: book 100, adjusted -2; {note}"
    assert _stored_conflicts(client, result["id"]) == [("COUNT_AMBIGUOUS", "open", note)]
    assert _on_hand(client, "SKU-1", "A-01") == 98  # a count of the bin it names
    assert _task_status(store, task_id) == "open"

    # a supervisor's accept acknowledges it: nothing posts again, the task stays open
    conflict = result["conflicts"][0]["id"]
    done = client.post(
        f"/api/conflicts/{conflict}/resolve", json={"action": "accept", "reason": "A-01 it was"}
    )
    assert done.status_code == 201, done.text
    assert _stored_conflicts(client, result["id"]) == [("COUNT_AMBIGUOUS", "resolved", note)]
    assert _on_hand(client, "SKU-1", "A-01") == 98
    assert _task_status(store, task_id) == "open"

    # the task's own count still does it, with nothing to flag
    own = _count(sim, task_id, "SKU-1", 0, "A-04")
    assert (own["outcome"], own["conflicts"]) == ("applied", [])
    assert _task_status(store, task_id) == "done"


def test_a_count_of_another_bin_that_matches_the_book_is_flagged_too(
    client: TestClient, supervisor: User, make_sim: Callable[..., SimDevice], store: Store
) -> None:
    task_id = _task(client, location="A-04", item="SKU-2")
    sim = make_sim("counter", "counter")
    result = _count(sim, task_id, "SKU-2", 50, "A-01")  # book 50
    note = _other_bin(task_id)
    assert (result["outcome"], result["message"]) == ("flagged", note)
    assert [c["code"] for c in result["conflicts"]] == ["COUNT_AMBIGUOUS"]
    assert _task_status(store, task_id) == "open"


def test_a_held_count_of_another_bin_says_so_in_its_one_conflict(
    client: TestClient, supervisor: User, make_sim: Callable[..., SimDevice], store: Store
) -> None:
    task_id = _task(client, location="A-04", item="SKU-1")
    sim = make_sim("counter", "counter")
    result = _count(sim, task_id, "SKU-1", 40, "A-01")  # book 100
    note = _other_bin(task_id)
    held = f"counted 40 SKU-1 at A-01, book 100: variance -60 is beyond tolerance; {note}"
    # one conflict, so accepting the hold is the one decision about the count
    assert (result["outcome"], result["code"], result["message"]) == (
        "held",
        "COUNT_VARIANCE",
        held,
    )
    assert _stored_conflicts(client, result["id"]) == [("COUNT_VARIANCE", "open", held)]
    assert _on_hand(client, "SKU-1", "A-01") == 100
    assert _task_status(store, task_id) == "open"


@pytest.mark.parametrize(
    ("task", "count"),
    [
        ({"location": "A-01", "item": "SKU-1"}, ("SKU-2", 50, "A-01")),  # the bin, another item
        ({"location": "A-01"}, ("SKU-1", 100, "A-01")),  # the task's bin: it is done
    ],
    ids=["other item", "the task's bin"],
)
def test_a_count_of_the_tasks_bin_is_not_flagged(
    client: TestClient,
    supervisor: User,
    make_sim: Callable[..., SimDevice],
    task: dict[str, Any],
    count: tuple[str, int, str],
) -> None:
    task_id = _task(client, **task)
    sim = make_sim("counter", "counter")
    result = _count(sim, task_id, *count)
    assert (result["outcome"], result["conflicts"]) == ("applied", [])


def test_a_done_task_named_by_a_count_elsewhere_is_not_flagged(
    client: TestClient, supervisor: User, make_sim: Callable[..., SimDevice], store: Store
) -> None:
    task_id = _task(client, location="A-01")
    sim = make_sim("counter", "counter")
    sim.record("count", "SKU-1", 100, to="A-01", ref={"count_task": task_id})
    sim.record("count", "SKU-1", 0, to="A-02", ref={"count_task": task_id})  # same batch
    first, second = sim.push()["results"]
    assert (first["outcome"], first["conflicts"]) == ("applied", [])
    assert _task_status(store, task_id) == "done"
    assert (second["outcome"], second["conflicts"]) == ("applied", [])
