"""Times on the wire are written in digits 0-9.

``\\d`` takes "٠٩" and "０９" and ``int`` reads them as 9, so a time whose
clock part was in other digits was read as that time.  No device writes
them: such a time is refused like any other text that is not a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from checks import stock
from devicesim import SimDevice, iso, utcnow
from starlette.testclient import TestClient

from server.users import User

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _written(table: dict[int, int], where: slice) -> str:
    """Now as the devices write it, the part ``where`` in other digits."""
    text = iso(utcnow())
    return text[: where.start] + text[where].translate(table) + text[where.stop :]


CASES = [
    pytest.param(ARABIC_INDIC, slice(11, 13), id="arabic-indic-hour"),
    pytest.param(FULLWIDTH, slice(20, 23), id="fullwidth-milliseconds"),
    pytest.param(ARABIC_INDIC, slice(11, 23), id="arabic-indic-clock"),
    pytest.param(FULLWIDTH, slice(0, 23), id="fullwidth-all"),
]


@pytest.mark.parametrize(("table", "where"), CASES)
def test_a_recorded_at_in_other_digits_rejects_that_movement_only(
    client: TestClient, sim: SimDevice, table: dict[int, int], where: slice
) -> None:
    recorded_at = _written(table, where)
    bad = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    bad["recorded_at"] = recorded_at
    sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    first, second = sim.push()["results"]
    assert (first["outcome"], first["code"], first["message"]) == (
        "rejected",
        "INVALID_FIELD",
        f"recorded_at: {recorded_at!r} is not an ISO 8601 time",
    )
    assert second["outcome"] == "applied"
    assert stock(client, sim, "SKU-1", "A-01") == 99


@pytest.mark.parametrize(("table", "where"), CASES)
def test_a_device_time_in_other_digits_is_refused(
    client: TestClient, sim: SimDevice, table: dict[int, int], where: slice
) -> None:
    device_time = _written(table, where)
    move = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    envelope = {**sim.envelope([move]), "device_time": device_time}
    res = client.post("/api/sync/push", json=envelope, headers=sim.headers)
    assert res.status_code == 400, res.text
    assert res.json()["message"] == f"device_time: {device_time!r} is not an ISO 8601 time"
    assert stock(client, sim, "SKU-1", "A-01") == 100


def test_an_oldest_pending_at_in_other_digits_is_not_shown_as_a_time(
    client: TestClient, sim: SimDevice, logged_in: Callable[..., User]
) -> None:
    move = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    oldest = _written(ARABIC_INDIC, slice(11, 23))
    envelope: dict[str, Any] = {**sim.envelope([move]), "pending": 1, "oldest_pending_at": oldest}
    assert client.post("/api/sync/push", json=envelope, headers=sim.headers).status_code == 200
    logged_in("supervisor")
    [row] = [d for d in client.get("/api/fleet").json()["devices"] if d["id"] == sim.device_id]
    assert (row["pending"], row["oldest_pending_at"], row["oldest_pending_age_seconds"]) == (
        1,
        None,
        None,
    )
