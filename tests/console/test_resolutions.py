"""Resolutions through the real app: appended, attributed, idempotent, pulled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from consolecalls import only_conflict, resolve, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.verify import verify


def _held_count(sim: SimDevice, counted: int, where: str = "A-01") -> dict[str, Any]:
    movement = sim.record("count", "SKU-1", counted, to=where)
    [result] = sim.push()["results"]
    assert result["outcome"] == "held", result
    return movement


def _result_for(sim: SimDevice, movement_id: str) -> dict[str, Any]:
    results = [r for page in sim.pull_all() for r in page["changes"]["results"]]
    return next(r for r in results if r["id"] == movement_id)


def test_accept_a_held_count_posts_it_and_the_device_sees_it_on_its_next_pull(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    count = _held_count(sim, 60)
    row = only_conflict(client)
    assert (row["code"], row["item"], row["location"], row["user"], row["held"]) == (
        "COUNT_VARIANCE",
        "SKU-1",
        "A-01",
        sim.user,
        True,
    )
    assert row["device"] == "scanner" and row["age_seconds"] >= 0
    assert stock(client, "SKU-1", "A-01") == 100  # held: nothing posted yet

    refused = resolve(client, row["id"], action="accept")
    assert refused.status_code == 400 and "reason" in refused.json()["message"]
    done = resolve(client, row["id"], action="accept", reason="bin checked", id="res-00000001")
    assert done.status_code == 201, done.text
    body = done.json()
    assert (body["by"], body["reason"], body["movement_state"]) == (
        supervisor.username,
        "bin checked",
        "applied",
    )
    assert (body["book"], body["variance"]) == (100, -40)
    assert stock(client, "SKU-1", "A-01") == 60

    again = resolve(client, row["id"], action="accept", reason="bin checked", id="res-00000001")
    assert again.status_code == 200 and again.json()["replayed"] is True
    twice = resolve(client, row["id"], action="accept", reason="again", id="res-00000002")
    assert twice.status_code == 409 and supervisor.username in twice.json()["message"]
    assert stock(client, "SKU-1", "A-01") == 60  # not posted twice

    result = _result_for(sim, count["id"])
    assert result["outcome"] == "applied"
    assert result["conflicts"] == [{"id": row["id"], "code": "COUNT_VARIANCE", "state": "resolved"}]
    assert [(r["action"], r["by"], r["reason"]) for r in result["resolutions"]] == [
        ("accept", supervisor.username, "bin checked")
    ]
    assert client.get("/api/conflicts").json()["conflicts"] == []
    assert store.read(verify) == []


def test_accept_at_its_place_and_accept_as_counted_now_differ_by_what_came_after(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User
) -> None:
    counter, picker = make_sim("counter"), make_sim("picker", "picker")
    _held_count(counter, 60)
    _held_count(counter, 60, "A-01")  # the same count again: the disagreement is not news
    first, second = client.get("/api/conflicts", params={"sort": "oldest"}).json()["conflicts"]
    picker.pull_all()
    picker.record("pick", "SKU-1", 10, from_="A-01", to="TOTE-1")
    picker.push()
    assert stock(client, "SKU-1", "A-01") == 90
    shown = client.get(f"/api/conflicts/{first['id']}").json()["if_accepted"]
    assert shown == {"counted": 60, "book_at_its_place": 100, "accept_posts": -40,
                     "counted_now_posts": -30}  # fmt: skip
    # at its place the count comes before the pick: 60 then -10
    assert resolve(client, first["id"], action="accept", reason="ok").status_code == 201
    assert stock(client, "SKU-1", "A-01") == 50
    # "counted now": the bin holds 60 from here on
    done = resolve(client, second["id"], action="accept_counted_now", reason="recounted it")
    assert done.status_code == 201, done.text
    assert (done.json()["adjusted"], done.json()["movement_state"]) == (10, "superseded")
    assert stock(client, "SKU-1", "A-01") == 60
    [count] = done.json()["posted"]
    assert done.json()["count"] == count
    shown = client.get(f"/api/movements/{count}").json()
    # a count placed now, as the supervisor asserted it: not a blind adjust
    assert (shown["kind"], shown["state"], shown["movement"]["qty"]) == ("count", "applied", 60)
    assert shown["movement"]["user"] == supervisor.username
    assert second["movement"] in shown["movement"]["note"]
    assert [(e["entry"], e["location"], e["qty"]) for e in shown["ledger"]] == [
        ("count", "A-01", 10),
        ("count", "INVENTORY", -10),
    ]


def test_edit_a_held_count_posts_the_corrected_quantity(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    count = _held_count(sim, 60)
    row = only_conflict(client)
    missing = resolve(client, row["id"], action="edit", reason="typo")
    assert missing.status_code == 400 and "counted" in missing.json()["message"]
    done = resolve(client, row["id"], action="edit", reason="typed 60 for 96", counted=96)
    assert done.status_code == 201 and done.json()["movement_state"] == "edited"
    assert stock(client, "SKU-1", "A-01") == 96
    assert _result_for(sim, count["id"])["outcome"] == "edited"
    assert store.read(verify) == []


def test_void_a_flagged_pick_writes_compensating_entries(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    pick = sim.record("pick", "SKU-1", 150, from_="A-01", to="TOTE-1")
    assert sim.push()["results"][0]["outcome"] == "flagged"
    row = only_conflict(client, code="NEGATIVE_STOCK")
    assert row["held"] is False
    done = resolve(client, row["id"], action="void", reason="scanned the wrong bin")
    assert done.status_code == 201 and done.json()["movement_state"] == "voided"
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-1", "TOTE-1")) == (100, 0)
    ledger = client.get(f"/api/movements/{pick['id']}").json()["ledger"]
    assert sorted((e["entry"], e["location"], e["qty"]) for e in ledger) == [
        ("pick", "A-01", -150),
        ("pick", "TOTE-1", 150),
        ("void", "A-01", 150),
        ("void", "TOTE-1", -150),
    ]
    assert _result_for(sim, pick["id"])["outcome"] == "voided"
    assert store.read(verify) == []


def test_void_before_a_later_count_is_absorbed_by_that_count(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    store.write(lambda c: c.execute("UPDATE count_tolerances SET max_percent = NULL"))
    sim.record("pick", "SKU-2", 53, from_="A-01", to="TOTE-1")  # 50 there: -3
    sim.push()
    sim.pull_all()
    sim.record("count", "SKU-2", 0, to="A-01")  # the bin is empty: +3, within tolerance
    assert sim.push()["results"][0]["outcome"] == "applied"
    row = only_conflict(client, code="NEGATIVE_STOCK")
    assert resolve(client, row["id"], action="void", reason="double scan").status_code == 201
    # the count said the bin was empty after the pick, and it still is
    assert stock(client, "SKU-2", "A-01") == 0
    assert stock(client, "SKU-2", "TOTE-1") == 0
    assert store.read(verify) == []


def test_edit_a_posted_pick_voids_it_and_posts_a_correction(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    pick = sim.record("pick", "SKU-1", 150, from_="A-01", to="TOTE-1")
    sim.push()
    row = only_conflict(client, code="NEGATIVE_STOCK")
    done = resolve(client, row["id"], action="edit", reason="it was 100", qty=100)
    assert done.status_code == 201, done.text
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-1", "TOTE-1")) == (0, 100)
    [correction] = done.json()["posted"]
    copy = client.get(f"/api/movements/{correction}").json()
    assert copy["movement"]["qty"] == 100 and pick["id"] in copy["movement"]["note"]
    assert store.read(verify) == []


def test_request_a_recount_makes_a_count_task(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    count = _held_count(sim, 60)
    row = only_conflict(client)
    done = resolve(client, row["id"], action="recount", reason="count it again", assign_to="nobody")
    assert done.status_code == 400
    done = resolve(client, row["id"], action="recount", reason="count it again")
    assert done.status_code == 201, done.text
    task = done.json()["count_task"]
    stored = store.read(
        lambda c: c.execute(
            "SELECT t.kind, l.code, t.blind, t.status, t.created_by FROM count_tasks t"
            " JOIN locations l ON l.id = t.location_id WHERE t.id = ?",
            (int(task.removeprefix("CT-")),),
        ).fetchone()
    )
    assert tuple(stored) == ("recount", "A-01", 1, "open", supervisor.username)
    assert stock(client, "SKU-1", "A-01") == 100
    assert _result_for(sim, count["id"])["outcome"] == "superseded"


def test_bulk_accept_takes_the_small_variances_and_skips_the_rest(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    store.write(lambda c: c.execute("UPDATE items SET unit_cost = 2.0 WHERE sku = 'SKU-1'"))
    store.write(lambda c: c.execute("UPDATE items SET unit_cost = 500.0 WHERE sku = 'SKU-2'"))
    sim = make_sim()
    sim.record("count", "SKU-1", 80, to="A-01")  # -20 × 2 = 40
    sim.record("count", "SKU-2", 30, to="A-01")  # -20 × 500 = 10,000
    sim.push()
    ids = [r["id"] for r in client.get("/api/conflicts").json()["conflicts"]]
    body = {"ids": ids, "reason": "weekly small variances", "id": "bulk-0001"}
    done = client.post("/api/conflicts/bulk-accept", json=body)
    assert done.status_code == 200, done.text
    [accepted] = done.json()["accepted"]
    [skipped] = done.json()["skipped"]
    assert accepted["variance"] == -20 and "10000.00" in skipped["why"]
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-2", "A-01")) == (80, 50)
    again = client.post("/api/conflicts/bulk-accept", json=body).json()
    assert [a["replayed"] for a in again["accepted"]] == [True]
    assert stock(client, "SKU-1", "A-01") == 80
    too_much = client.post("/api/conflicts/bulk-accept", json={**body, "max_value": 10**6})
    assert too_much.status_code == 400


def test_pickers_and_counters_cannot_resolve(
    client: TestClient,
    sim: SimDevice,
    make_user: Callable[..., User],
    login: Callable[..., None],
    store: Store,
) -> None:
    _held_count(sim, 60)
    conflict_id = store.read(lambda c: c.execute("SELECT id FROM conflicts").fetchone()[0])
    for role in ("picker", "counter"):
        client.cookies.clear()
        login(make_user(role).username)
        res = resolve(client, f"c-{conflict_id}", action="accept", reason="me")
        assert res.status_code == 403, role
        assert client.get("/api/conflicts").status_code == 403
    assert stock(client, "SKU-1", "A-01") == 100
    assert store.read(lambda c: c.execute("SELECT count(*) FROM resolutions").fetchone()[0]) == 0
