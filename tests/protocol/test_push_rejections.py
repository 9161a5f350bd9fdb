"""Invalid movements are recorded and rejected; invalid envelopes are refused whole."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from checks import movement, stock
from devicesim import SimDevice
from starlette.testclient import TestClient


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"qty": 0}, "INVALID_QTY", "qty: must be more than 0 for pick (got 0)"),
        ({"qty": -4}, "INVALID_QTY", "qty: must be more than 0 for pick (got -4)"),
        ({"qty": 10**12}, "INVALID_QTY", "qty: 1000000000000 is beyond any real quantity"),
        ({"qty": "five"}, "INVALID_FIELD", "qty: expected int | null, got str"),
        ({"qty": 2.5}, "INVALID_FIELD", "qty: expected int | null, got float"),
        ({"kind": "teleport"}, "UNKNOWN_KIND", None),
        ({"item": None}, "MISSING_FIELD", "item: required (a SKU or a barcode of the item)"),
        ({"from": None}, "MISSING_FIELD", "from: required for pick"),
        ({"user": None}, "MISSING_FIELD", "user: required (who performed the movement)"),
        ({"recorded_at": "yesterday"}, "INVALID_FIELD", None),
        ({"recorded_at": "2026-11-23T09:55:12"}, "INVALID_FIELD", None),
        ({"kind": "adjust", "from": "A-01", "to": None}, "MISSING_REASON", None),
        ({"kind": "scrap", "to": None}, "MISSING_REASON", None),
        ({"kind": "adjust", "from": "A-01", "to": "A-02", "reason": "x"}, "MISSING_FIELD", None),
        ({"lot": "L" * 201}, "INVALID_FIELD", "lot: at most 200 characters"),
        ({"from": "SUPPLIER"}, "INVALID_FIELD", "from: SUPPLIER is not a real place"),
    ],
)
def test_invalid_movements_are_rejected_and_kept(
    client: TestClient, sim: SimDevice, change: dict[str, Any], code: str, message: str | None
) -> None:
    bad = sim.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1")
    bad.update(change)
    sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    body = sim.push()
    first, second = body["results"]
    assert first["outcome"] == "rejected"
    assert first["code"] == code
    if message:
        assert first["message"] == message
    assert second["outcome"] == "applied"  # the queue is never wedged
    assert body["device_last_seq"] == 2
    assert stock(client, sim, "SKU-1", "A-01") == 99
    stored = movement(client, sim, bad["id"])
    assert (stored["outcome"], stored["code"]) == ("rejected", code)
    assert stored["ledger"] == []


def test_a_lot_tracked_item_needs_its_lot(client: TestClient, sim: SimDevice) -> None:
    sim.record("receive", "SKU-LOT", 10, to="DOCK")
    sim.record("receive", "SKU-LOT", 10, to="DOCK", lot="L-77", expiry="2027-03-31")
    first, second = sim.push()["results"]
    assert (first["outcome"], first["code"]) == ("rejected", "MISSING_FIELD")
    assert second["outcome"] == "applied"
    res = client.get("/api/stock", params={"item": "SKU-LOT", "lot": "L-77"}, headers=sim.headers)
    assert res.json()["stock"] == [
        {"item": "SKU-LOT", "location": "DOCK", "lot": "L-77", "on_hand": 10}
    ]


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (b"{not json", 400, "invalid_request"),
        (b"[]", 400, "invalid_request"),
        (b'{"protocol": 1, "device_id": "x", "movements": 5}', 400, "invalid_request"),
        (json.dumps({"protocol": 2, "device_id": "x", "movements": []}).encode(), 426,
         "unsupported_protocol"),
    ],
)  # fmt: skip
def test_malformed_envelopes_answer_one_error_shape(
    client: TestClient, sim: SimDevice, body: bytes, status: int, error: str
) -> None:
    res = client.post("/api/sync/push", content=body, headers={
        **sim.headers, "Content-Type": "application/json"})  # fmt: skip
    assert res.status_code == status
    payload = res.json()
    assert payload["ok"] is False
    assert payload["status"] == status
    assert payload["error"] == error
    if body.startswith(b"{not"):
        assert payload["message"] == "the body is not valid JSON"
    elif status == 400:  # valid JSON of the wrong shape says what is wrong with it
        assert payload["message"].startswith("malformed push: ")


def test_a_movement_without_id_or_seq_refuses_the_request(
    client: TestClient, sim: SimDevice
) -> None:
    good = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    res = sim.push_raw([good, {"kind": "pick", "qty": 1}])
    assert res.status_code == 400
    assert "movements[1]" in res.json()["message"]
    assert stock(client, sim, "SKU-1", "A-01") == 100  # nothing posted
    res = sim.push_raw([{**good, "id": "not-a-uuid"}])
    assert res.status_code == 400


def test_an_oversized_request_is_refused_whole(client: TestClient, sim: SimDevice) -> None:
    many = [sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1") for _ in range(501)]
    res = sim.push_raw(many)
    assert res.status_code == 413
    assert res.json()["error"] == "too_large"
    huge = [sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1", note="n" * 1900)
            for _ in range(1)]  # fmt: skip
    huge[0]["note"] = "x" * (1024 * 1024)
    res = sim.push_raw(huge)
    assert res.status_code == 413
    assert stock(client, sim, "SKU-1", "A-01") == 100


def test_a_device_pushing_with_another_devices_id_is_refused(
    client: TestClient, make_sim: Any
) -> None:
    ana, bob = make_sim("ana"), make_sim("bob")
    move = ana.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    envelope = ana.envelope([move])
    envelope["device_id"] = bob.device_id
    res = client.post("/api/sync/push", json=envelope, headers=ana.headers)
    assert res.status_code == 403
    assert res.json()["error"] == "forbidden"
    assert stock(client, ana, "SKU-1", "A-01") == 100


def test_no_token_or_a_wrong_one_is_401(client: TestClient, sim: SimDevice) -> None:
    envelope = sim.envelope([])
    assert client.post("/api/sync/push", json=envelope).status_code == 401
    res = client.post("/api/sync/push", json=envelope, headers={"Authorization": "Bearer nope"})
    assert res.status_code == 401
    assert res.json()["error"] == "unauthorized"


def test_unknown_movement_id_reads_back_404(client: TestClient, sim: SimDevice) -> None:
    res = client.get(f"/api/movements/{uuid.uuid4()}", headers=sim.headers)
    assert res.status_code == 404
    assert res.json()["error"] == "not_found"


def test_a_lot_first_seen_without_expiry_gets_it_from_a_later_movement(
    client: TestClient, sim: SimDevice
) -> None:
    sim.record("receive", "SKU-LOT", 5, to="DOCK", lot="L-88")
    sim.push()
    sim.record("receive", "SKU-LOT", 5, to="DOCK", lot="L-88", expiry="2027-05-01")
    sim.record("receive", "SKU-LOT", 5, to="DOCK", lot="L-88", expiry="2030-01-01")
    sim.push()
    lots = [lot for page in sim.pull_all() for lot in page["changes"]["lots"]]
    assert [(lot["item"], lot["code"], lot["expiry"]) for lot in lots] == [
        ("SKU-LOT", "L-88", "2027-05-01")
    ]
