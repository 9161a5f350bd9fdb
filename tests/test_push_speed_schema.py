"""Migration m005_push_speed: the ledger's key index by server_seq bucket.

A database made before it (with ``ledger_key``) migrates in place and keeps
placing counts correctly; count placement seeks the new index.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import msgspec
import pytest

from sync.catalog import add_item, add_location, add_warehouse
from sync.clock import ms_to_iso, now_ms
from sync.counts import _ENTRIES_SINCE
from sync.db import connect, write_transaction
from sync.devices import register_device
from sync.local import post_local
from sync.push import decode_push, push
from sync.rules import Rules
from sync.schema import migrate
from sync.verify import verify


def _indexes(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'ledger'")}


@pytest.fixture
def old_db(tmp_path: Path) -> sqlite3.Connection:
    """A database as the build before m005 left it, with history in its ledger."""
    conn = connect(tmp_path / "old.db")
    migrate(conn)
    conn.executescript(
        """
        DROP INDEX ledger_key_bucket;
        CREATE INDEX ledger_key ON ledger(item_id, location_id, lot, server_seq);
        DELETE FROM _sqlite_migrations WHERE name = 'm005_push_speed';
        """
    )
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "DOCK", "receiving", warehouse="MAIN")
        add_location(conn, "A-01", "pick", warehouse="MAIN")
        add_item(conn, "SKU-1", "Bolt")
    post_local(conn, [{"kind": "receive", "item": "SKU-1", "to": "DOCK", "qty": 100}], user="t")
    for _ in range(30):
        post_local(
            conn,
            [{"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "A-01", "qty": 1}],
            user="t",
        )
    return conn


def test_an_existing_ledger_gets_the_bucket_index(old_db: sqlite3.Connection) -> None:
    rows_before = old_db.execute("SELECT count(*), sum(qty) FROM ledger").fetchone()
    migrate(old_db)  # also checks the schema is what a fresh database has
    indexes = _indexes(old_db)
    assert "ledger_key_bucket" in indexes and "ledger_key" not in indexes
    assert old_db.execute("SELECT count(*), sum(qty) FROM ledger").fetchone() == rows_before
    assert verify(old_db) == []


def test_counts_after_the_migration_are_placed_among_the_old_history(
    old_db: sqlite3.Connection,
) -> None:
    """A count made ten minutes ago by a device that had pulled nothing: the 30
    putaways (posted before the migration, a minute ago) are placed after it."""
    migrate(old_db)
    with write_transaction(old_db):
        reg = register_device(old_db, name="counter-1", username="ana")
    now = now_ms()
    count = {
        "id": str(uuid.uuid4()), "seq": 1, "kind": "count", "user": "ana",
        "recorded_at": ms_to_iso(now - 600_000), "basis": 0, "item": "SKU-1", "to": "A-01",
        "qty": 0,
    }  # fmt: skip
    body = {"protocol": 1, "device_id": reg.device_id, "device_time": ms_to_iso(now),
            "movements": [count]}  # fmt: skip
    result = push(old_db, decode_push(msgspec.json.encode(body)), Rules())["results"][0]
    # placed before the putaways, the count finds a book of 0 and agrees; placed
    # after them it would find 30 and be held for a variance of -30
    assert (result["outcome"], result["message"]) == ("applied", None)
    stock = old_db.execute(
        "SELECT on_hand FROM stock s JOIN locations l ON l.id = s.location_id WHERE l.code = 'A-01'"
    ).fetchone()[0]
    assert stock == 30  # the putaways still apply on top of the count
    assert verify(old_db) == []


def test_count_placement_seeks_the_bucket_index(tmp_path: Path) -> None:
    conn = connect(tmp_path / "new.db")
    migrate(conn)
    plan = " ".join(
        str(row[3])
        for row in conn.execute("EXPLAIN QUERY PLAN " + _ENTRIES_SINCE, (0, 3, 1, 2, "", 5))
    )
    assert "SEARCH l USING INDEX ledger_key_bucket" in plan
