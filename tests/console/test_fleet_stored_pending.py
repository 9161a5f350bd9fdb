"""The fleet lists every device whatever ``pending`` an old row holds.

Push takes only a count of 0 to 10,000,000, but SQLite keeps what it is
given: a row written before that check, or by hand, may hold text ("x", or
"٣", which SQLite does not turn into a number), a real, a blob or a count
push refuses.  Such a value is unknown: the API gives None, the page shows
"?", the device does not stand out, and nothing answers 500.
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
    ("stored", "shown", "cell"),
    [
        ("x", None, "?"),
        ("٣", None, "?"),  # SQLite turns only ASCII digits into an INTEGER
        (2.5, None, "?"),
        (b"3", None, "?"),
        (-3, None, "?"),
        (10**12, None, "?"),  # past what push takes
        ("3", 3, "3"),  # INTEGER affinity: SQLite stores 3
        (3, 3, "3"),
        (None, 0, "0"),  # never reported
    ],
    ids=["text", "arabic-indic", "real", "blob", "negative", "huge", "text-3", "3", "null"],
)
def test_an_old_rows_pending_that_is_no_count_is_unknown_and_no_500(
    client: TestClient,
    make_sim: Callable[..., SimDevice],
    supervisor: User,
    store: Store,
    stored: object,
    shown: int | None,
    cell: str,
) -> None:
    sim = make_sim("old-pending-1", "picker")
    store_device(store, sim.device_id, pending=stored)
    assert listed(client, sim.device_id)["pending"] == shown
    assert f'data-label="Pending">{cell}' in page_row(client, "old-pending-1")


@pytest.mark.parametrize(
    ("stored", "stands_out"),
    [("x", False), (b"3", False), (2.5, False), (3, True)],
    ids=["text", "blob", "real", "count"],
)
def test_a_silent_device_stands_out_only_with_a_known_count(
    client: TestClient,
    make_sim: Callable[..., SimDevice],
    supervisor: User,
    store: Store,
    stored: object,
    stands_out: bool,
) -> None:
    sim = make_sim("old-pending-2", "picker")
    silent_since = iso(utcnow() - timedelta(days=3))
    store_device(store, sim.device_id, pending=stored, last_push_at=silent_since)
    assert listed(client, sim.device_id)["stands_out"] is stands_out
    assert ("silent 3" in page_row(client, "old-pending-2")) is stands_out
