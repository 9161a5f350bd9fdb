"""Values no real device sends never wedge a queue: a bad movement gets its own
outcome, a bad envelope a clear 400 with nothing posted, and the next push posts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from checks import stock
from devicesim import SimDevice, iso
from orders.orderdata import order
from starlette.testclient import TestClient

PICK = {"kind": "pick", "item": "SKU-1", "qty": 1, "from_": "A-01", "to": "TOTE-1"}
COUNT = {"kind": "count", "item": "SKU-1", "qty": 100, "to": "A-01"}  # the book: 100
EMPTY_BIN = {"kind": "count", "item": "SKU-1", "qty": 0, "to": "A-03", "reason": "empty"}
PUTAWAY = {"kind": "putaway", "item": "SKU-1", "qty": 1, "from_": "A-01", "to": "A-02"}


def _record(sim: SimDevice, movement: dict[str, Any], **extra: Any) -> dict[str, Any]:
    fields = {**movement, **extra}
    return sim.record(fields.pop("kind"), fields.pop("item"), fields.pop("qty"), **fields)


def _push_json(client: TestClient, sim: SimDevice, envelope: dict[str, Any]) -> Any:
    return client.post("/api/sync/push", json=envelope, headers=sim.headers)


def _assert_refused(res: Any, message: str) -> None:
    assert res.status_code == 400, res.text
    assert res.json() == {"ok": False, "error": "invalid_request", "message": message,
                          "errors": [], "status": 400}  # fmt: skip


def _next_push_posts(client: TestClient, sim: SimDevice, on_hand_before: int) -> None:
    """The device's queue moves on: the picks it still holds and a new one all post."""
    _record(sim, PICK)
    queued = len(sim.outbox)
    body = sim.push()
    assert body["stopped"] is None
    assert [r["outcome"] for r in body["results"]] == ["applied"] * queued
    assert sim.outbox == []
    assert stock(client, sim, "SKU-1", "A-01") == on_hand_before - queued


@pytest.mark.parametrize(
    ("movement", "ref", "outcome", "message"),
    [
        (COUNT, {"count_task": "CT-99999999999999999999"}, "applied", None),
        (COUNT, {"count_task": "CT-²"}, "applied", None),
        (PICK, {"order_line": "SO-1/²"}, "applied", None),
        # a count of 0 naming a pick task: a short pick of nothing, if the line is one
        (EMPTY_BIN, {"task": "PT-1", "order_line": "SO-1/²"}, "applied", None),
        # as PB-999 would: a put-back task this server never made
        (PUTAWAY, {"task": "PB-²"}, "flagged", "PB-²: no such put-back task"),
        (PUTAWAY, {"task": "PB-99999999999999999999"}, "flagged",
         "PB-99999999999999999999: no such put-back task"),
    ],
)  # fmt: skip
def test_a_reference_that_names_nothing_here_posts_as_naming_nothing(
    client: TestClient,
    sim: SimDevice,
    movement: dict[str, Any],
    ref: dict[str, str],
    outcome: str,
    message: str | None,
) -> None:
    sent = _record(sim, movement, ref=ref)
    body = sim.push()
    [result] = body["results"]
    assert (body["stopped"], result["outcome"], result["message"]) == (None, outcome, message)
    stored = client.get(f"/api/movements/{sent['id']}", headers=sim.headers).json()
    assert stored["outcome"] == outcome
    _next_push_posts(client, sim, stock(client, sim, "SKU-1", "A-01"))


ORDER = order("W-1", ("SKU-1", 3))


def test_a_pick_task_that_names_nothing_here_is_an_unknown_task(
    client: TestClient, make_sim: Any, logged_in: Any
) -> None:
    logged_in("supervisor")
    created = client.post("/api/orders", json=ORDER)
    assert created.status_code == 201, created.text
    line = f"{created.json()['number']}/1"
    answers = []
    for task in ("PT-999", "PT-²"):  # well-formed but unknown, then not a number at all
        sim = make_sim()
        _record(sim, PICK, ref={"order_line": line, "task": task})
        [result] = sim.push()["results"]
        answers.append((result["outcome"], [c["code"] for c in result["conflicts"]]))
        _next_push_posts(client, sim, stock(client, sim, "SKU-1", "A-01"))
    assert answers[1] == answers[0]
    assert answers[1][0] in ("applied", "flagged")


@pytest.mark.parametrize(
    ("pending", "status"),
    [(2**63, 400), (10_000_001, 400), (-1, 400), (10_000_000, 200), (0, 200)],
)
def test_pending_is_a_count_of_queued_movements(
    client: TestClient, sim: SimDevice, pending: int, status: int
) -> None:
    move = _record(sim, PICK)
    res = _push_json(client, sim, {**sim.envelope([move]), "pending": pending})
    if status == 400:
        _assert_refused(
            res, "pending: the number of movements queued on the device, 0 to 10,000,000"
        )
        assert stock(client, sim, "SKU-1", "A-01") == 100  # nothing posted
        assert client.get(f"/api/movements/{move['id']}", headers=sim.headers).status_code == 404
        _next_push_posts(client, sim, 100)
    else:
        assert res.status_code == 200, res.text
        assert stock(client, sim, "SKU-1", "A-01") == 99


@pytest.mark.parametrize("device_time", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_device_time_the_server_cannot_represent_is_refused(
    client: TestClient, sim: SimDevice, device_time: str
) -> None:
    move = _record(sim, PICK)
    res = _push_json(client, sim, {**sim.envelope([move]), "device_time": device_time})
    _assert_refused(res, f"device_time: {device_time!r} is outside the years 1 to 9999 (UTC)")
    assert stock(client, sim, "SKU-1", "A-01") == 100
    _next_push_posts(client, sim, 100)


@pytest.mark.parametrize("recorded_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_recorded_at_the_server_cannot_represent_rejects_that_movement_only(
    client: TestClient, sim: SimDevice, recorded_at: str
) -> None:
    bad = _record(sim, PICK, recorded_at=recorded_at)
    good = _record(sim, PICK)
    # the app reports its oldest queued movement's time: here the same bad one
    envelope = {**sim.envelope([bad, good]), "pending": 2, "oldest_pending_at": recorded_at}
    res = _push_json(client, sim, envelope)
    assert res.status_code == 200, res.text
    first, second = res.json()["results"]
    assert (first["outcome"], first["code"], first["message"]) == (
        "rejected",
        "INVALID_FIELD",
        f"recorded_at: {recorded_at!r} is outside the years 1 to 9999 (UTC)",
    )
    assert second["outcome"] == "applied"
    stored = client.get(f"/api/movements/{bad['id']}", headers=sim.headers)
    assert stored.status_code == 200 and stored.json()["ledger"] == []
    assert stock(client, sim, "SKU-1", "A-01") == 99


def test_the_fleet_list_survives_an_unreadable_oldest_pending_at(
    client: TestClient, sim: SimDevice, logged_in: Any
) -> None:
    move = _record(sim, PICK)
    envelope = {
        **sim.envelope([move]),
        "pending": 1,
        "oldest_pending_at": "0001-01-01T00:00:00+14:00",
    }
    assert _push_json(client, sim, envelope).status_code == 200
    logged_in("supervisor")
    res = client.get("/api/fleet")
    assert res.status_code == 200, res.text
    [row] = [d for d in res.json()["devices"] if d["id"] == sim.device_id]
    assert (row["pending"], row["oldest_pending_at"]) == (1, None)


@pytest.mark.parametrize("version", ["9" * 51, "1.4.3\u0000"])
def test_an_app_version_longer_than_registration_allows_is_dropped_not_refused(
    client: TestClient, sim: SimDevice, logged_in: Any, version: str
) -> None:
    """Too long, or with a NUL in it (which no text stored should hold)."""
    first = _record(sim, PICK)
    assert _push_json(client, sim, {**sim.envelope([first]), "app_version": "1.4.2"}).is_success
    second = _record(sim, PICK)
    res = _push_json(client, sim, {**sim.envelope([first, second]), "app_version": version})
    assert res.status_code == 200, res.text
    assert [r["outcome"] for r in res.json()["results"]] == ["applied", "applied"]
    logged_in("supervisor")
    [row] = [d for d in client.get("/api/fleet").json()["devices"] if d["id"] == sim.device_id]
    assert row["app_version"] == "1.4.2"  # the last one that fits


def test_an_event_time_before_the_year_1_is_clamped_and_marked_uncertain(
    client: TestClient, sim: SimDevice
) -> None:
    """Scanned at 0001-01-01 by the device clock, pushed at 9999-12-31 by it: the
    offset puts the scan thousands of years before the year 1."""
    move = _record(sim, PICK, recorded_at="0001-01-01T00:00:00Z")
    [result] = sim.push(device_time=datetime(9999, 12, 31, tzinfo=UTC))["results"]
    assert result["outcome"] == "applied"
    stored = client.get(f"/api/movements/{move['id']}", headers=sim.headers)
    assert stored.status_code == 200, stored.text
    assert (stored.json()["event_time"], stored.json()["time_uncertain"]) == (
        "0001-01-01T00:00:00.000Z",
        True,
    )
    _next_push_posts(client, sim, 99)


def _deep(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        (b'{"protocol": 1, "device_id": "%(device)s", "device_time": "%(now)s",'
         b' "movements": [%(move)s], "x": %(deep)s}', "the body is nested too deeply to read"),
        (b'{"protocol": 1, "device_id": "%(device)s", "device_time": "%(now)s",'
         b' "movements": [%(deep)s]}', "the body is nested too deeply to read"),
        # the envelope is refused first for its device_id; the protocol check then
        # reads on past it into the nest
        (b'{"device_id": 7, "x": %(deep)s, "protocol": 1, "movements": [%(move)s]}',
         "malformed push: device_id: expected str, got int"),
    ],
)  # fmt: skip
def test_json_nested_a_thousand_deep_is_a_clear_400(
    client: TestClient, sim: SimDevice, shape: bytes, message: str
) -> None:
    move = _record(sim, PICK)
    body = shape % {b"device": sim.device_id.encode(), b"now": iso(sim.now()).encode(),
                    b"move": json.dumps(move).encode(), b"deep": _deep(1000)}  # fmt: skip
    res = client.post("/api/sync/push", content=body,
                      headers={**sim.headers, "Content-Type": "application/json"})  # fmt: skip
    assert res.status_code == 400, res.text
    assert (res.json()["error"], res.json()["message"]) == ("invalid_request", message)
    assert stock(client, sim, "SKU-1", "A-01") == 100
    _next_push_posts(client, sim, 100)


@pytest.mark.parametrize("basis", [-1, -(2**63) - 1, -(10**30)])
def test_a_negative_basis_rejects_that_movement_at_once(
    client: TestClient, sim: SimDevice, basis: int
) -> None:
    """However negative (past what SQLite stores, too): rejected the first time,
    not three tries of an internal failure."""
    bad = _record(sim, PICK)
    bad["basis"] = basis
    good = _record(sim, PICK)
    res = _push_json(client, sim, sim.envelope([bad, good]))
    assert res.status_code == 200, res.text
    body = res.json()
    assert body["stopped"] is None
    first, second = body["results"]
    assert (first["outcome"], first["code"], first["message"]) == (
        "rejected", "INVALID_FIELD", "basis: must be 0 or more")  # fmt: skip
    assert second["outcome"] == "applied"
    assert stock(client, sim, "SKU-1", "A-01") == 99


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user", "ana\u0000"),
        ("item", "SKU-1\u0000"),
        ("lot", "L\u00001"),
        ("from", "\u0000A-01"),
        ("to", "TOTE-1\u0000"),
        ("note", "box\u0000crushed"),
        ("reason", "\u0000"),
        ("ref", {"order_line": "SO-1/1\u0000"}),
    ],
)  # fmt: skip
def test_a_nul_character_in_any_text_rejects_that_movement(
    client: TestClient, sim: SimDevice, field: str, value: Any
) -> None:
    """No scanner types NUL, and SQLite's own text functions stop at one
    (``length``, the sqlite3 shell show the text cut short): named and rejected."""
    bad = _record(sim, PICK)
    bad[field] = value
    good = _record(sim, PICK)
    res = _push_json(client, sim, sim.envelope([bad, good]))
    assert res.status_code == 200, res.text
    first, second = res.json()["results"]
    name = "ref.order_line" if field == "ref" else field
    assert (first["outcome"], first["code"], first["message"]) == (
        "rejected", "INVALID_FIELD", f"{name}: must not contain NUL characters")  # fmt: skip
    assert second["outcome"] == "applied"
    assert stock(client, sim, "SKU-1", "A-01") == 99
