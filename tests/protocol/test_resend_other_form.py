"""A resend that spells the same movement another way is the same movement.

A client's JSON library may drop an empty ``ref`` or write ``ref: null``, and
write a time as ``+00:00`` where the first send said ``Z``.  The movement is
the same: a resend of it after a lost response answers the stored result,
replayed, instead of ``ID_REUSED`` (which tells the device it was never stored).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from checks import ledger_count, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from sync.clock import canonical_iso


def _other_form(movement: dict[str, Any]) -> dict[str, Any]:
    """The same movement as another client would write it: no empty ``ref``, no
    nulls, the time with a numeric zone (an hour east), the keys in another order."""
    again = {k: v for k, v in reversed(movement.items()) if v is not None and k != "ref"}
    at = datetime.fromisoformat(movement["recorded_at"].replace("Z", "+00:00"))
    east = at.astimezone(timezone(timedelta(hours=1)))
    again["recorded_at"] = east.isoformat(timespec="milliseconds")  # ...T10:55:12.331+01:00
    return again


def test_a_resend_after_a_lost_response_in_another_form_is_replayed(
    client: TestClient, sim: SimDevice, warehouse: Store
) -> None:
    pick = sim.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1")
    [first] = sim.push_raw([pick]).json()["results"]  # the answer is "lost"
    assert first["outcome"] == "applied"

    [again] = sim.push_raw([_other_form(pick)]).json()["results"]

    assert again == {**first, "replayed": True}
    assert stock(client, sim, "SKU-1", "A-01") == 97
    assert ledger_count(warehouse, pick["id"]) == 2


def test_the_same_id_under_a_new_seq_in_another_form_is_the_same_movement(
    client: TestClient, sim: SimDevice, warehouse: Store
) -> None:
    pick = sim.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1")
    [first] = sim.push_raw([pick]).json()["results"]
    requeued = {**_other_form(pick), "seq": pick["seq"] + 1}  # queued again, with a new seq

    body = sim.push_raw([requeued]).json()

    [again] = body["results"]
    assert again["replayed"] is True
    assert (again["outcome"], again["server_seq"]) == ("applied", first["server_seq"])
    assert body["device_last_seq"] == pick["seq"] + 1
    assert stock(client, sim, "SKU-1", "A-01") == 97


def test_other_content_is_still_id_reused_whatever_its_form(
    client: TestClient, sim: SimDevice
) -> None:
    pick = sim.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1")
    sim.push_raw([pick])

    [again] = sim.push_raw([{**_other_form(pick), "qty": 4}]).json()["results"]

    assert (again["outcome"], again["code"]) == ("rejected", "ID_REUSED")
    assert stock(client, sim, "SKU-1", "A-01") == 97


def test_a_movement_stored_before_the_forms_were_equal_is_matched_by_its_content(
    client: TestClient, sim: SimDevice, warehouse: Store
) -> None:
    """Rows stored by an older server hold a digest of the JSON as it was spelled:
    a resend in another form is compared with the stored movement itself."""
    pick = sim.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1")
    other = sim.record("pick", "SKU-1", 2, from_="A-01", to="TOTE-1")
    [first, _] = sim.push_raw([pick, other]).json()["results"]
    warehouse.transact(lambda conn: conn.execute("UPDATE movements SET digest = 'older form'"))

    answers = sim.push_raw([_other_form(pick), {**_other_form(other), "qty": 5}]).json()

    same, changed = answers["results"]
    assert same == {**first, "replayed": True}
    assert (changed["outcome"], changed["code"]) == ("rejected", "ID_REUSED")
    assert stock(client, sim, "SKU-1", "A-01") == 95


@pytest.mark.parametrize(
    "written",
    ["2026-11-23T09:55:12Z", "2026-11-23T09:55:12.000+00:00", "2026-11-23T10:55:12+01:00",
     "2026-11-23T04:25:12.000-05:30", "2026-11-23t09:55:12.000z"],
)  # fmt: skip
def test_every_spelling_of_an_instant_digests_as_its_canonical_form(written: str) -> None:
    assert canonical_iso(written) == "2026-11-23T09:55:12.000Z"
    assert canonical_iso("2026-11-23T09:55:12.000Z") == "2026-11-23T09:55:12.000Z"
