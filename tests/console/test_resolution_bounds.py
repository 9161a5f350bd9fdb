"""Resolutions with quantities past any real one, or of movements whose references
name nothing here: a clear answer, and nothing half written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from consolecalls import only_conflict, resolve, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.verify import verify

NEW_LABEL = "2000000000015"


def _held_count(client: TestClient, sim: SimDevice) -> dict[str, Any]:
    """c-n: a count of 60 in A-01, where the book says 100, held for a supervisor."""
    sim.record("count", "SKU-1", 60, to="A-01")
    [result] = sim.push()["results"]
    assert (result["outcome"], result["code"]) == ("held", "COUNT_VARIANCE"), result
    return only_conflict(client, code="COUNT_VARIANCE")


def _still_open(client: TestClient, conflict: str) -> None:
    assert client.get(f"/api/conflicts/{conflict}").json()["state"] == "open"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"counted": 1_000_000_000_000},
         "counted: at most 1,000,000,000 (more is beyond any real quantity)"),
        ({"counted": 2**63}, "counted: at most 1,000,000,000 (more is beyond any real quantity)"),
        ({"counted": -1}, "counted: a whole number >= 0"),
    ],
)  # fmt: skip
def test_an_edit_beyond_any_real_count_is_refused(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store,
    body: dict[str, int], message: str,
) -> None:  # fmt: skip
    row = _held_count(client, sim)
    res = resolve(client, row["id"], action="edit", reason="typo", **body)
    assert res.status_code == 400, res.text
    assert (res.json()["message"], res.json()["errors"]) == (message, [message])
    _still_open(client, row["id"])
    assert stock(client, "SKU-1", "A-01") == 100
    done = resolve(client, row["id"], action="edit", reason="typo", counted=1_000_000_000)
    assert done.status_code == 201, done.text  # the ceiling itself is a quantity
    assert stock(client, "SKU-1", "A-01") == 1_000_000_000


def test_an_edit_of_a_posted_pick_beyond_any_real_quantity_is_refused(
    client: TestClient, conflict_of: Callable[..., dict[str, Any]]
) -> None:
    row = conflict_of("pick", "SKU-1", 150, from_="A-01", to="TOTE-1", code="NEGATIVE_STOCK")
    res = resolve(client, row["id"], action="edit", reason="it was less", qty=10**12)
    assert res.status_code == 400
    assert res.json()["message"] == "qty: at most 1,000,000,000 (more is beyond any real quantity)"
    _still_open(client, row["id"])
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-1", "TOTE-1")) == (-50, 150)


@pytest.mark.parametrize("pack_qty", [2**62, 1_000_000_001])
def test_a_map_with_a_pack_quantity_beyond_any_real_one_is_refused(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store, pack_qty: int
) -> None:
    received = sim.record("receive", NEW_LABEL, 4, to="DOCK")
    sim.push()
    row = only_conflict(client, code="UNKNOWN_ITEM")
    res = resolve(client, row["id"], action="map", reason="case", item="SKU-1", pack_qty=pack_qty)
    assert res.status_code == 400
    assert res.json()["message"] == (
        "pack_qty: at most 1,000,000,000 (more is beyond any real quantity)"
    )
    _still_open(client, row["id"])
    assert client.get(f"/api/movements/{received['id']}").json()["state"] == "held"
    # the barcode stays unknown: a later scan of it is held too, and posts nothing
    sim.record("receive", NEW_LABEL, 4, to="DOCK")
    assert sim.push()["results"][0]["code"] == "UNKNOWN_ITEM"
    assert stock(client, "SKU-1", "DOCK") == 0
    assert store.read(verify) == []


def test_mapping_a_count_naming_a_count_task_that_is_no_number_posts_it(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    count = sim.record("count", "SKU-1", 0, to="LZ9999", ref={"count_task": "CT-²"})
    assert sim.push()["results"][0]["code"] == "UNKNOWN_LOCATION"
    row = only_conflict(client, code="UNKNOWN_LOCATION")
    done = resolve(client, row["id"], action="map", reason="old label", location="A-03")
    assert done.status_code == 201, done.text
    assert client.get(f"/api/movements/{count['id']}").json()["state"] == "applied"
    assert stock(client, "SKU-1", "A-03") == 0
    assert store.read(verify) == []


def test_mapping_a_pick_naming_a_line_that_is_no_number_posts_it(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    ref = {"order_line": "SO-1/²"}
    pick = sim.record("pick", "SKU-1", 4, from_="LZ9999", to="TOTE-1", ref=ref)
    assert sim.push()["results"][0]["code"] == "UNKNOWN_LOCATION"
    row = only_conflict(client, code="UNKNOWN_LOCATION")
    done = resolve(client, row["id"], action="map", reason="old label", location="A-01")
    assert done.status_code == 201, done.text
    assert client.get(f"/api/movements/{pick['id']}").json()["state"] == "applied"
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-1", "TOTE-1")) == (96, 4)
    assert store.read(verify) == []
