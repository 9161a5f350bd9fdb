"""The fleet lists every device whatever time an old row holds.

Push now drops an ``oldest_pending_at`` it cannot read, but a row written
before that check (or by hand) may hold anything, and a device clock may be
far off.  Such a time has no age: the API gives None, the page shows no
"oldest", and neither answers 500 or an age of -5 s or 2,000 years.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from devicesim import SimDevice, iso, utcnow
from fleetrows import listed, page_row, store_device
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0001-01-01T00:00:00+14:00", None),  # before the year 1 in UTC: not a time here
        ("9999-12-31T23:59:59-14:00", None),  # after 9999 in UTC
        ("yesterday", None),
        (12345, None),  # SQLite keeps whatever it is given
        ("0001-01-01T00:00:00.000Z", "0001-01-01T00:00:00.000Z"),  # a time, but no age
        ("1970-01-01T00:05:00.000Z", "1970-01-01T00:05:00.000Z"),  # a clock reset to 1970
        ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),  # a clock years ahead
    ],
    ids=["year-0-utc", "year-10000-utc", "text", "number", "year-1", "clock-reset", "year-9999"],
)
def test_an_old_rows_oldest_pending_time_has_no_age_and_no_500(
    client: TestClient,
    make_sim: Callable[..., SimDevice],
    supervisor: User,
    store: Store,
    stored: object,
    shown: str | None,
) -> None:
    sim = make_sim("old-row-1", "picker")
    store_device(store, sim.device_id, pending=3, oldest_pending_at=stored)
    row = listed(client, sim.device_id)
    assert (row["pending"], row["oldest_pending_at"]) == (3, shown)
    assert row["oldest_pending_age_seconds"] is None
    cell = page_row(client, "old-row-1")
    assert ">3<" in cell and "oldest" not in cell


def test_a_last_push_time_that_is_no_time_lists_the_device_as_not_silent(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    sim = make_sim("old-row-2", "picker")
    store_device(store, sim.device_id, pending=3, last_push_at="0001-01-01T00:00:00+14:00")
    row = listed(client, sim.device_id)
    assert (row["silent_seconds"], row["stands_out"]) == (0, False)
    assert "old-row-2" in page_row(client, "old-row-2")


@pytest.mark.parametrize(
    ("stored", "low", "high"),
    [
        (timedelta(hours=-3), 3 * 3600 - 60, 3 * 3600 + 60),
        (timedelta(minutes=5), 0, 0),  # a device clock a little ahead: no negative age
    ],
    ids=["three-hours-ago", "five-minutes-ahead"],
)
def test_a_plausible_oldest_pending_time_keeps_its_age(
    client: TestClient,
    make_sim: Callable[..., SimDevice],
    supervisor: User,
    store: Store,
    stored: timedelta,
    low: int,
    high: int,
) -> None:
    sim = make_sim("fine-1", "picker")
    at = iso(utcnow() + stored)
    store_device(store, sim.device_id, pending=2, oldest_pending_at=at)
    row = listed(client, sim.device_id)
    assert row["oldest_pending_at"] == at
    assert low <= row["oldest_pending_age_seconds"] <= high
    assert "oldest" in page_row(client, "fine-1")
