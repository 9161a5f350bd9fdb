"""Device clocks are hints: corrected by the push offset and clamped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from checks import movement
from devicesim import SimDevice, utcnow
from starlette.testclient import TestClient


def _event(client: TestClient, sim: SimDevice, movement_id: str) -> tuple[datetime, bool]:
    stored = movement(client, sim, movement_id)
    when = datetime.fromisoformat(stored["event_time"].replace("Z", "+00:00"))
    return when, stored["time_uncertain"]


@pytest.mark.parametrize(
    "skew",
    [timedelta(hours=-1), timedelta(days=365), timedelta(minutes=3)],
    ids=["an hour behind", "a year ahead", "three minutes ahead"],
)
def test_a_skewed_clock_is_corrected_by_the_push_offset(
    client: TestClient, sim: SimDevice, skew: timedelta
) -> None:
    sim.clock_skew = skew
    five_minutes_ago = sim.now() - timedelta(minutes=5)
    pick = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1", at=five_minutes_ago)
    sim.push()
    when, uncertain = _event(client, sim, pick["id"])
    assert abs(when - (utcnow() - timedelta(minutes=5))) < timedelta(seconds=10)
    assert uncertain is False


def test_a_clock_at_1970_is_corrected(client: TestClient, sim: SimDevice) -> None:
    epoch_start = datetime(1970, 1, 1, 0, 10, tzinfo=UTC)
    pick = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1",
                      at=epoch_start - timedelta(minutes=5))  # fmt: skip
    sim.push(device_time=epoch_start)
    when, uncertain = _event(client, sim, pick["id"])
    assert abs(when - (utcnow() - timedelta(minutes=5))) < timedelta(seconds=10)
    assert uncertain is False


def test_a_clock_jumping_back_mid_session_is_clamped_to_the_previous_movement(
    client: TestClient, sim: SimDevice
) -> None:
    t = utcnow()
    first = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1", at=t - timedelta(minutes=1))
    second = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1", at=t - timedelta(hours=2))
    sim.push(device_time=t)
    first_at, first_uncertain = _event(client, sim, first["id"])
    second_at, second_uncertain = _event(client, sim, second["id"])
    assert second_at == first_at
    assert (first_uncertain, second_uncertain) == (False, True)


def test_a_movement_recorded_after_the_push_is_clamped_to_its_arrival(
    client: TestClient, sim: SimDevice
) -> None:
    t = utcnow()
    pick = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1", at=t + timedelta(hours=3))
    sim.push(device_time=t)
    when, uncertain = _event(client, sim, pick["id"])
    assert abs(when - utcnow()) < timedelta(seconds=10)
    assert uncertain is True


def test_clamped_times_never_go_backwards_across_pushes(client: TestClient, sim: SimDevice) -> None:
    t = utcnow()
    first = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1", at=t)
    sim.push(device_time=t)
    later = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1", at=t - timedelta(days=2))
    sim.push(device_time=t - timedelta(days=2) + timedelta(seconds=1))
    assert _event(client, sim, later["id"])[0] >= _event(client, sim, first["id"])[0]
