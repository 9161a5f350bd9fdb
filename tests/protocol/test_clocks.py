"""Device clocks are hints: corrected by the push offset and clamped."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from checks import movement, stock
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


def test_a_movement_without_a_readable_time_does_not_move_the_next_ones_to_arrival(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    """A count made 5 hours ago, sent after a movement whose recorded_at cannot be
    read, is still placed 5 hours ago: before another device's pick of 2 hours
    ago, which it must not wipe out."""
    counter, picker = make_sim("counter"), make_sim("picker")
    picker.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1", at=utcnow() - timedelta(hours=2))
    picker.push()
    bad = counter.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1",
                         at=utcnow() - timedelta(hours=6))  # fmt: skip
    bad["recorded_at"] = "not a time"
    count = counter.record("count", "SKU-1", 100, to="A-01", at=utcnow() - timedelta(hours=5))
    rejected, counted = counter.push()["results"]
    assert (rejected["outcome"], rejected["code"]) == ("rejected", "INVALID_FIELD")
    assert (counted["outcome"], counted["message"]) == ("applied", None)  # book 100 then
    assert stock(client, counter, "SKU-1", "A-01") == 97  # the later pick stands
    when, uncertain = _event(client, counter, count["id"])
    assert abs(when - (utcnow() - timedelta(hours=5))) < timedelta(seconds=10)
    assert uncertain is False
