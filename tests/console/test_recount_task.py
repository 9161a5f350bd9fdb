"""A recount asked for by a resolution: the device gets it as one, and its outcome comes back."""

from __future__ import annotations

from typing import Any

from consolecalls import only_conflict, resolve, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.verify import verify


def _ref(task: str) -> dict[str, Any]:
    return {"order_line": None, "task": None, "rma": None, "count_task": task}


def _pull(sim: SimDevice) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    pages = sim.pull_all()
    tasks = {t["id"]: t for p in pages for t in p["changes"]["tasks"]}
    results = {r["id"]: r for p in pages for r in p["changes"]["results"]}
    return tasks, results


def test_a_recount_reaches_the_counter_as_one_and_its_outcome_reaches_the_resolution(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    held = sim.record("count", "SKU-1", 60, to="A-01")
    sim.push()
    row = only_conflict(client)
    done = resolve(client, row["id"], action="recount", reason="60 looks wrong: count again",
                   assign_to=sim.user)  # fmt: skip
    assert done.status_code == 201, done.text
    task_id = done.json()["count_task"]
    assert done.json()["recount"]["status"] == "open"

    tasks, results = _pull(sim)
    task = tasks[task_id]
    assert {k: task[k] for k in ("kind", "task_kind", "location", "item", "lot", "blind",
                                 "reason", "conflict", "status")} == {
        "kind": "count", "task_kind": "recount", "location": "A-01", "item": "SKU-1",
        "lot": None, "blind": True, "reason": "60 looks wrong: count again",
        "conflict": row["id"], "status": "open",
    }  # fmt: skip
    assert "on_hand" not in task and "expected" not in task  # blind: no book quantity
    assert results[held["id"]]["outcome"] == "superseded"
    [resolution] = results[held["id"]]["resolutions"]
    assert (resolution["count_task"], resolution["recount"]["count"]) == (task_id, None)

    recount = sim.record("count", "SKU-1", 97, to="A-01", ref=_ref(task_id))
    assert sim.push()["results"][0]["outcome"] == "applied"  # within tolerance of 100
    assert stock(client, "SKU-1", "A-01") == 97

    tasks, results = _pull(sim)
    assert tasks[task_id]["status"] == "done"
    # the held count's result comes again, with what the recount found
    [resolution] = results[held["id"]]["resolutions"]
    outcome = resolution["recount"]
    assert (outcome["status"], outcome["count"]["movement"], outcome["count"]["counted"]) == (
        "done",
        recount["id"],
        97,
    )
    assert outcome["count"]["outcome"] == "applied"
    detail = client.get(f"/api/conflicts/{row['id']}").json()
    [shown] = detail["resolution_details"]
    assert shown["recount"]["count"]["movement"] == recount["id"]
    page = client.get(f"/console/conflicts/{row['id']}")
    assert f"Recount {task_id} (blind)" in page.text and "counted 97" in page.text
    assert store.read(verify) == []


def test_a_recount_that_may_show_the_book_says_so_and_a_held_recount_shows_its_conflict(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    sim.record("count", "SKU-2", 10, to="A-01")
    sim.push()
    row = only_conflict(client)
    refused = resolve(client, row["id"], action="recount", reason="again", blind="no")
    assert refused.status_code == 400 and "blind" in refused.json()["message"]
    done = resolve(client, row["id"], action="recount", reason="again, book shown", blind=False)
    task_id = done.json()["count_task"]
    tasks, _ = _pull(sim)
    assert tasks[task_id]["blind"] is False
    sim.record("count", "SKU-2", 12, to="A-01", ref=_ref(task_id))
    assert sim.push()["results"][0]["outcome"] == "held"  # still far from 50
    [shown] = client.get(f"/api/conflicts/{row['id']}").json()["resolution_details"]
    count = shown["recount"]["count"]
    assert count["outcome"] == "held"
    [new] = count["conflicts"]
    assert new["code"] == "COUNT_VARIANCE" and new["state"] == "open"
    assert stock(client, "SKU-2", "A-01") == 50
