"""Migration m010_lifecycle on a database that packed before it: where the
packed units wait (``line_packed``) is filled from the cartons not yet shipped,
so a packed order cancelled after the upgrade puts its units back from the
station."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import msgspec

from sync.catalog import add_item, add_location, add_warehouse
from sync.db import connect, write_transaction
from sync.local import post_local
from sync.orders import OrderIn, cancel_order, create_order
from sync.packing import close_carton, open_carton, pack_item
from sync.schema import migrate

_UNDO_M010 = """
ALTER TABLE cartons DROP COLUMN device_id;
DELETE FROM _sqlite_migrations WHERE name = 'm014_device_cartons';
DROP TABLE line_packed;
DROP INDEX rmas_request_ref;
ALTER TABLE rmas DROP COLUMN request_ref;
ALTER TABLE cartons DROP COLUMN unpacked_by;
ALTER TABLE cartons DROP COLUMN unpacked_at;
ALTER TABLE pick_lists DROP COLUMN done_at;
DELETE FROM _sqlite_migrations WHERE name = 'm010_lifecycle';
"""


def _packed(conn: sqlite3.Connection, ref: str, qty: int, *, close: bool) -> str:
    order = msgspec.convert({"channel": "shop", "external_ref": ref, "customer": "Ada",
                             "ship_to": {"name": "Ada", "line1": "1 Road", "city": "Leeds",
                                         "postcode": "LS1", "country": "GB"},
                             "lines": [{"item": "SKU-1", "qty": qty}]}, OrderIn)  # fmt: skip
    made, _ = create_order(conn, order, by_user="t")
    line = made["lines"][0]["line"]
    post_local(conn, [{"kind": "pick", "item": "SKU-1", "from": "A-01", "to": "TOTE-1",
                       "qty": qty, "ref": {"order_line": line}}], user="t")  # fmt: skip
    carton = open_carton(conn, made["number"], station=None, by_user="t")["number"]
    pack_item(conn, carton, item="SKU-1", qty=qty, by_user="t")
    if close:
        close_carton(conn, carton, weight_kg=1.0, by_user="t")
    return str(made["number"])


def test_an_upgraded_database_knows_where_its_packed_units_wait(tmp_path: Path) -> None:
    conn = connect(tmp_path / "old.db")
    migrate(conn)
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "DOCK", "receiving", warehouse="MAIN")
        add_location(conn, "A-01", "pick", warehouse="MAIN", pick_seq=1)
        add_location(conn, "TOTE-1", "staging", warehouse="MAIN")
        add_location(conn, "PACK-1", "packing", warehouse="MAIN")
        add_item(conn, "SKU-1", "Bolt")
    post_local(conn, [{"kind": "receive", "item": "SKU-1", "to": "DOCK", "qty": 20},
                      {"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "A-01",
                       "qty": 20}], user="t")  # fmt: skip
    closed = _packed(conn, "M-1", 3, close=True)
    still_open = _packed(conn, "M-2", 2, close=False)
    kept = conn.execute("SELECT * FROM line_packed ORDER BY 1").fetchall()
    assert [tuple(r)[3] for r in kept] == [3, 2]

    conn.executescript(_UNDO_M010)  # the database as the build before m010 left it
    migrate(conn)
    assert conn.execute("SELECT * FROM line_packed ORDER BY 1").fetchall() == kept

    for number in (closed, still_open):
        cancel_order(conn, number, by_user="sup", reason="upgrade test")
    putbacks = conn.execute(
        "SELECT f.code, t.code, b.qty FROM putback_tasks b JOIN locations f ON f.id = b.from_id"
        " JOIN locations t ON t.id = b.to_id ORDER BY b.id"
    ).fetchall()
    assert [tuple(r) for r in putbacks] == [("PACK-1", "A-01", 3), ("PACK-1", "A-01", 2)]
    conn.close()
