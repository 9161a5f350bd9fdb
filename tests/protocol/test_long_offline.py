"""A device offline for days, and a shared scanner changing hands."""

from __future__ import annotations

from datetime import timedelta

from checks import movement, stock
from devicesim import SimDevice, utcnow
from starlette.testclient import TestClient


def test_three_days_offline_with_two_thousand_movements(client: TestClient, sim: SimDevice) -> None:
    start = utcnow() - timedelta(days=3)
    moves = [
        sim.record("transfer", "SKU-1", 1, from_="A-02" if n % 2 else "A-01",
                   to="A-01" if n % 2 else "A-02", at=start + timedelta(minutes=2 * n))
        for n in range(2000)
    ]  # fmt: skip
    for first in range(0, 2000, 500):  # the protocol's batch limit
        body = sim.push(moves[first : first + 500])
        assert body["stopped"] is None
        assert {r["outcome"] for r in body["results"]} == {"applied"}
    assert body["device_last_seq"] == 2000
    assert stock(client, sim, "SKU-1", "A-01") == 100
    # the days-old times stand: recorded before the push, in order, nothing clamped
    first_seen, last_seen = (
        movement(client, sim, moves[0]["id"]),
        movement(client, sim, moves[-1]["id"]),
    )
    assert (first_seen["time_uncertain"], last_seen["time_uncertain"]) == (False, False)
    assert first_seen["event_time"][:13] == moves[0]["recorded_at"][:13]


def test_a_shared_scanner_keeps_who_did_what(client: TestClient, sim: SimDevice) -> None:
    sim.user = "ana"
    by_ana = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    sim.user = "bob"  # ana hands the scanner to bob with her pick still pending
    by_bob = sim.record("pick", "SKU-1", 2, from_="A-01", to="TOTE-1")
    sim.push()
    assert movement(client, sim, by_ana["id"])["movement"]["user"] == "ana"
    assert movement(client, sim, by_bob["id"])["movement"]["user"] == "bob"
    assert stock(client, sim, "SKU-1", "A-01") == 97
