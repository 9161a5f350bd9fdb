"""The conflict page's "Stock: before · after · now" line, as a supervisor reads
it: the book quantity just before the movement changed stock here and just
after it, for a count held and accepted (or edited) later as much as for one
posted when it came.

A held count posts when a supervisor decides, at a later server_seq than the
one it arrived with; the page once read before/after at its arrival (where it
had posted nothing), so an accepted count of 60 against a book of 100 showed
"before 100 · after 100".
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from consolecalls import only_conflict, resolve, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.meta import bump_catalog_version


def _stock_line(client: TestClient, conflict: str) -> str | None:
    page = client.get(f"/console/conflicts/{conflict}")
    assert page.status_code == 200, page.text
    found = re.search(r"<dt>Stock(?: at [^<]*)?</dt><dd>([^<]*)</dd>", page.text)
    return None if found is None else found.group(1)


def _this_rows(client: TestClient, conflict: str) -> list[tuple[str, int, int]]:
    """The ledger rows the page marks as this movement's: (entry, qty, balance)."""
    detail = client.get(f"/api/conflicts/{conflict}").json()
    return [(e["entry"], e["qty"], e["balance"]) for e in detail["ledger"] if e["this"]]


@pytest.mark.parametrize(
    ("body", "line", "rows"),
    [
        ({"action": "accept"}, "before 100 · after 60 · now 60", [("count", -40, 60)]),
        ({"action": "edit", "counted": 70}, "before 100 · after 70 · now 70",
         [("count", -30, 70)]),
    ],
)  # fmt: skip
def test_a_held_count_resolved_later_shows_the_adjustment_it_made(
    client: TestClient,
    conflict_of: Callable[..., dict[str, Any]],
    body: dict[str, object],
    line: str,
    rows: list[tuple[str, int, int]],
) -> None:
    row = conflict_of("count", "SKU-1", 60, to="A-01", code="COUNT_VARIANCE")  # the book says 100
    assert _stock_line(client, row["id"]) == "before 100 · after 100 · now 100"  # nothing yet
    done = resolve(client, row["id"], reason="counted again", **body)
    assert done.status_code == 201, done.text
    assert _stock_line(client, row["id"]) == line
    assert _this_rows(client, row["id"]) == rows


def test_an_accepted_count_with_a_later_pick_on_top_shows_what_accepting_changed(
    client: TestClient, sim: SimDevice, supervisor: User
) -> None:
    sim.record("count", "SKU-1", 60, to="A-01")  # held: the book says 100
    sim.record("pick", "SKU-1", 10, from_="A-01", to="TOTE-1")  # after the count: posts
    sim.push()
    row = only_conflict(client, code="COUNT_VARIANCE")
    assert stock(client, "SKU-1", "A-01") == 90
    assert resolve(client, row["id"], action="accept", reason="ok").status_code == 201
    # counted 60 where the book was 100 (its place): -40, the pick still on top
    assert stock(client, "SKU-1", "A-01") == 50
    assert _stock_line(client, row["id"]) == "before 90 · after 50 · now 50"


def test_a_movement_posted_when_it_came_still_shows_its_own_change(
    client: TestClient, conflict_of: Callable[..., dict[str, Any]]
) -> None:
    # 80 picked where 50 are: negative
    row = conflict_of("pick", "SKU-2", 80, from_="A-01", to="TOTE-1", code="NEGATIVE_STOCK")
    assert _stock_line(client, row["id"]) == "before 50 · after -30 · now -30"
    assert resolve(client, row["id"], action="void", reason="never happened").status_code == 201
    # the void is another posting: what the pick did stays what it did
    assert _stock_line(client, row["id"]) == "before 50 · after -30 · now 50"


def test_a_transfer_held_for_an_unknown_bin_shows_the_stock_of_the_bin_it_leaves(
    client: TestClient, sim: SimDevice, supervisor: User
) -> None:
    sim.record("transfer", "SKU-1", 4, from_="A-01", to="LZ-NEW")  # 100 at A-01
    sim.record("receive", "SKU-1", 5, to="LZ-NEWER")  # from a supplier: no place it leaves
    moved, received = sim.push()["results"]
    assert [r["code"] for r in (moved, received)] == ["UNKNOWN_LOCATION"] * 2
    conflicts = client.get("/api/conflicts", params={"code": "UNKNOWN_LOCATION"}).json()
    by_movement = {c["movement"]: c["id"] for c in conflicts["conflicts"]}

    transfer = by_movement[moved["id"]]
    detail = client.get(f"/api/conflicts/{transfer}").json()
    assert (detail["location"], detail["stock_at"]) == (None, "A-01")
    assert detail["stock"] == {"before": 100, "after": 100, "now": 100}  # nothing posted yet
    page = client.get(f"/console/conflicts/{transfer}").text
    assert "<dt>Stock at A-01</dt>" in page
    assert _stock_line(client, transfer) == "before 100 · after 100 · now 100"

    done = resolve(client, transfer, action="map", reason="new bin", location="A-02")
    assert done.status_code == 201, done.text
    assert _stock_line(client, transfer) == "before 100 · after 96 · now 96"
    assert stock(client, "SKU-1", "A-01") == 96

    receipt = client.get(f"/api/conflicts/{by_movement[received['id']]}").json()
    assert (receipt["stock"], receipt["stock_at"]) == (None, None)
    assert _stock_line(client, by_movement[received["id"]]) is None


def test_a_conflict_at_a_place_made_inactive_since_still_shows_its_stock(
    client: TestClient, conflict_of: Callable[..., dict[str, Any]], store: Store
) -> None:
    row = conflict_of("pick", "SKU-2", 80, from_="A-01", to="TOTE-1", code="NEGATIVE_STOCK")

    def retire(conn: sqlite3.Connection) -> None:  # as a catalog change would
        conn.execute("UPDATE locations SET active = 0 WHERE code = 'A-01'")
        bump_catalog_version(conn)

    store.transact(retire)
    detail = client.get(f"/api/conflicts/{row['id']}")
    assert detail.status_code == 200, detail.text
    assert (detail.json()["stock_at"], detail.json()["stock"]["now"]) == ("A-01", -30)
