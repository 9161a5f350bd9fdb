"""The demo warehouse: big enough to feel real, and every unit explained by the ledger."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from server.demo import DEMO_LOGINS, DemoSummary, create_demo, database_is_empty
from server.demo_work import DemoWork, add_demo_work
from server.users import check_password
from sync.catalog import is_valid_gtin
from sync.db import connect
from sync.errors import Conflict
from sync.kinds import ROLES
from sync.schema import migrate
from sync.verify import verify


def _make(path: Path, seed: int = 2026) -> tuple[sqlite3.Connection, DemoSummary]:
    conn = connect(path)
    migrate(conn)
    return conn, create_demo(conn, seed=seed)


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[sqlite3.Connection, DemoSummary]]:
    conn, summary = _make(tmp_path_factory.mktemp("demo") / "demo.db")
    yield conn, summary
    conn.close()


@pytest.fixture(scope="module")
def conn(demo: tuple[sqlite3.Connection, DemoSummary]) -> sqlite3.Connection:
    return demo[0]


def scalar(conn: sqlite3.Connection, sql: str) -> int:
    return int(conn.execute(sql).fetchone()[0])


def test_bins_in_zones_with_barcodes_and_a_walk(conn: sqlite3.Connection) -> None:
    bins = conn.execute(
        "SELECT code, barcode, zone, pick_seq FROM locations"
        " WHERE kind IN ('pick', 'reserve') ORDER BY pick_seq"
    ).fetchall()
    assert len(bins) >= 300
    assert len({b["zone"] for b in bins}) >= 2
    assert all(b["barcode"] and b["pick_seq"] is not None for b in bins)
    assert len({b["pick_seq"] for b in bins}) == len(bins)
    # serpentine: up aisle 1, down aisle 2
    walk = [b["code"] for b in bins]
    aisle_1 = [c for c in walk if c.startswith("A-01-")]
    aisle_2 = [c for c in walk if c.startswith("A-02-")]
    assert aisle_1 == sorted(aisle_1) and aisle_2 == sorted(aisle_2, reverse=True)
    assert walk.index(aisle_1[-1]) + 1 == walk.index(aisle_2[0])


@pytest.mark.parametrize(
    ("codes", "kind"),
    [
        (["DOCK-1", "DOCK-2"], "receiving"),
        ([f"TOTE-{n:02d}" for n in range(1, 41)], "staging"),
        (["PACK-1"], "packing"),
        (["SHIP-1"], "shipping"),
        (["RET-1"], "returns"),
        (["QUAR-1"], "quarantine"),
    ],
)
def test_working_locations(conn: sqlite3.Connection, codes: list[str], kind: str) -> None:
    marks = ", ".join("?" * len(codes))
    rows = conn.execute(f"SELECT kind FROM locations WHERE code IN ({marks})", codes).fetchall()
    assert [r[0] for r in rows] == [kind] * len(codes)


def test_items_with_valid_barcodes(conn: sqlite3.Connection) -> None:
    assert scalar(conn, "SELECT count(*) FROM items") == 1000
    assert scalar(conn, "SELECT count(DISTINCT name) FROM items") == 1000
    units = conn.execute(
        "SELECT i.sku, b.code FROM items i JOIN item_barcodes b ON b.item_id = i.id"
        " WHERE b.pack_qty = 1"
    ).fetchall()
    assert len(units) == 1000
    assert all(len(code) == 13 and is_valid_gtin(code) for _, code in units)
    cases = conn.execute("SELECT code, pack_qty FROM item_barcodes WHERE pack_qty > 1").fetchall()
    assert len(cases) >= 100
    assert all(len(code) == 14 and is_valid_gtin(code) for code, _ in cases)
    assert {qty for _, qty in cases} == {6, 12, 24}


def test_items_have_classes_costs_and_lots(conn: sqlite3.Connection) -> None:
    lot_tracked = scalar(
        conn, "SELECT count(*) FROM items WHERE tracking = 'lot' AND expiry_tracked = 1"
    )
    assert 80 <= lot_tracked <= 120
    classes = {r[0] for r in conn.execute("SELECT DISTINCT item_class FROM items")}
    assert classes == {"A", "B", "C"}
    assert scalar(conn, "SELECT count(*) FROM items WHERE unit_cost IS NULL OR unit_cost <= 0") == 0
    assert scalar(conn, "SELECT count(*) FROM lots WHERE expiry IS NOT NULL") >= lot_tracked


def test_one_login_per_role(conn: sqlite3.Connection) -> None:
    roles = {r["username"]: r["role"] for r in conn.execute("SELECT username, role FROM users")}
    assert sorted(roles.values()) == sorted(ROLES)
    hasher = PasswordHasher()
    for username, role, password in DEMO_LOGINS:
        user = check_password(conn, username, password, hasher=hasher)
        assert user is not None and user.role == role
        assert len(password) >= 8


def test_stock_came_through_movements_only(
    demo: tuple[sqlite3.Connection, DemoSummary],
) -> None:
    conn, summary = demo
    in_bins = (
        "SELECT coalesce(sum(on_hand), 0) FROM stock s JOIN locations l"
        " ON l.id = s.location_id WHERE l.kind IN ('pick', 'reserve')"
    )
    assert scalar(conn, in_bins) > 0
    assert verify(conn) == []
    by_outcome = "SELECT outcome, count(*) FROM movements GROUP BY outcome"
    assert {r[0]: r[1] for r in conn.execute(by_outcome)} == {"applied": summary.movements}
    assert dict(summary.outcomes) == {"applied": summary.movements}
    kinds = {r[0] for r in conn.execute("SELECT DISTINCT kind FROM movements")}
    assert kinds == {"receive", "putaway"}
    assert scalar(conn, "SELECT count(*) FROM conflicts") == 0
    # a few receipts still wait on the dock
    on_dock = "SELECT count(*) FROM stock s JOIN locations l ON l.id = s.location_id"
    assert scalar(conn, f"{on_dock} WHERE l.kind = 'receiving' AND s.on_hand > 0") > 0


def test_refuses_a_database_with_items(conn: sqlite3.Connection) -> None:
    assert not database_is_empty(conn)
    with pytest.raises(Conflict, match="already has items"):
        create_demo(conn)


def test_same_seed_same_warehouse(conn: sqlite3.Connection, tmp_path: Path) -> None:
    other, _ = _make(tmp_path / "again.db")
    query = (
        "SELECT i.sku, i.name, l.code, s.lot, s.on_hand FROM stock s JOIN items i"
        " ON i.id = s.item_id JOIN locations l ON l.id = s.location_id ORDER BY 1, 3, 4"
    )
    try:
        assert database_is_empty(other) is False
        assert [tuple(r) for r in other.execute(query)] == [tuple(r) for r in conn.execute(query)]
    finally:
        other.close()


@pytest.fixture(scope="module")
def worked(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[sqlite3.Connection, DemoWork]]:
    conn, _ = _make(tmp_path_factory.mktemp("work") / "demo.db")
    yield conn, add_demo_work(conn)
    conn.close()


def test_the_work_gives_the_picker_a_list_and_the_counter_tasks(
    worked: tuple[sqlite3.Connection, DemoWork],
) -> None:
    conn, work = worked
    statuses = dict(conn.execute("SELECT status, count(*) FROM orders GROUP BY status").fetchall())
    assert statuses == {"allocated": 11, "backordered": 1}
    assert len(work.orders) == 12 and len(work.backordered) == 1
    # every reservation of an allocated order is on a pick list; picker holds the first
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM reservations r JOIN order_lines ol ON ol.id = r.order_line_id"
            " JOIN orders o ON o.id = ol.order_id WHERE o.status = 'allocated'"
            " AND NOT EXISTS (SELECT 1 FROM pick_tasks t WHERE t.reservation_id = r.id)",
        )
        == 0
    )
    lists = conn.execute("SELECT number, assigned_to FROM pick_lists ORDER BY id").fetchall()
    assert tuple(lists[0]) == (work.picker_list, "picker")
    assert len(lists) >= 2 and all(row[1] is None for row in lists[1:])
    assert (
        scalar(
            conn,
            "SELECT count(*) FROM pick_tasks t JOIN pick_lists p ON p.id = t.pick_list_id"
            " WHERE p.assigned_to = 'picker'",
        )
        >= 4
    )
    counts = conn.execute(
        "SELECT l.code, t.assigned_to, t.blind, t.status FROM count_tasks t"
        " JOIN locations l ON l.id = t.location_id"
    ).fetchall()
    assert len(counts) == 3
    assert all((row[1], row[2], row[3]) == ("counter", 1, "open") for row in counts)
    picked_from = {
        row[0]
        for row in conn.execute(
            "SELECT l.code FROM pick_tasks t JOIN locations l ON l.id = t.location_id"
        )
    }
    assert not picked_from & {row[0] for row in counts}


def test_the_work_promises_no_unit_twice(worked: tuple[sqlite3.Connection, DemoWork]) -> None:
    conn, _ = worked
    over = conn.execute(
        "SELECT r.item_id, r.location_id, sum(r.qty) AS reserved, s.on_hand FROM reservations r"
        " JOIN stock s ON s.item_id = r.item_id AND s.location_id = r.location_id"
        " AND s.lot = r.lot WHERE r.released_at IS NULL"
        " GROUP BY r.item_id, r.location_id, r.lot HAVING sum(r.qty) > s.on_hand"
    ).fetchall()
    assert over == []
    assert verify(conn) == []
