"""Migration m011_order_speed: active reservations summed from the index alone.

A database made before it (with ``reservations_active``) migrates in place;
what its orders reserved is still subtracted from what the next order gets.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec

from sync.allocation import _CANDIDATES, available
from sync.catalog import add_item, add_location, add_warehouse
from sync.db import connect, write_transaction
from sync.local import post_local
from sync.orders import OrderIn, create_order
from sync.schema import migrate

SHIP_TO = {"name": "C", "line1": "1 Road", "city": "Leeds", "postcode": "LS1", "country": "GB"}


def _order(ref: str, qty: int) -> OrderIn:
    return msgspec.convert({"channel": "shop", "external_ref": ref, "customer": "C",
                            "ship_to": SHIP_TO, "lines": [{"item": "SKU-1", "qty": qty}]},
                           OrderIn)  # fmt: skip


def _indexes(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE tbl_name = 'reservations' AND type = 'index'"
    )
    return {r[0] for r in rows if not r[0].startswith("sqlite_")}


def test_an_older_database_migrates_and_keeps_its_reservations(tmp_path: Path) -> None:
    conn = connect(tmp_path / "old.db")
    migrate(conn)
    conn.executescript(  # as the build before m011 left it
        """
        DROP INDEX reservations_active_qty;
        CREATE INDEX reservations_active ON reservations(item_id, location_id, lot)
            WHERE released_at IS NULL;
        DELETE FROM _sqlite_migrations WHERE name = 'm011_order_speed';
        """
    )
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "DOCK", "receiving", warehouse="MAIN")
        add_location(conn, "A-01", "pick", warehouse="MAIN")
        add_item(conn, "SKU-1", "Bolt")
    post_local(conn, [{"kind": "receive", "item": "SKU-1", "to": "DOCK", "qty": 100},
                      {"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "A-01",
                       "qty": 100}], user="t")  # fmt: skip
    for n in range(3):
        create_order(conn, _order(f"O-{n}", 20), by_user="t")

    migrate(conn)
    assert _indexes(conn) == {"reservations_active_qty", "reservations_line"}
    item_id = conn.execute("SELECT id FROM items WHERE sku = 'SKU-1'").fetchone()[0]
    assert [free for _, _, free in available(conn, item_id)] == [40]  # 100 - 3 x 20
    made, _ = create_order(conn, _order("O-3", 50), by_user="t")
    assert (made["status"], made["lines"][0]["reserved"]) == ("backordered", 40)
    plan = " ".join(
        str(tuple(r))
        for r in conn.execute(
            "EXPLAIN QUERY PLAN " + _CANDIDATES.format(items=":i0"), {"i0": item_id, "today": "x"}
        )
    )
    assert "COVERING INDEX reservations_active_qty" in plan  # no table row per reservation
    conn.close()
