"""The schema: migrations apply once, drift is refused, the ledger is append-only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sync.catalog import add_item, add_location, add_warehouse
from sync.db import connect, write_transaction
from sync.local import post_local
from sync.schema import migrate


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    conn = connect(tmp_path / "s.db")
    migrate(conn)
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "DOCK", "receiving", warehouse="MAIN")
        add_item(conn, "SKU-1", "Bolt")
    post_local(conn, [{"kind": "receive", "item": "SKU-1", "to": "DOCK", "qty": 5}], user="t")
    return conn


def test_migrating_again_changes_nothing(conn: sqlite3.Connection) -> None:
    epoch = conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
    migrate(conn)
    assert conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0] == epoch
    assert conn.execute("SELECT count(*) FROM devices WHERE name = 'server'").fetchone()[0] == 1


def test_a_database_from_another_schema_is_refused(conn: sqlite3.Connection) -> None:
    conn.execute("DROP INDEX ledger_key_bucket")
    with pytest.raises(RuntimeError, match=r"schema differs .*\(ledger_key_bucket\)"):
        migrate(conn)


@pytest.mark.parametrize("statement", ["UPDATE ledger SET qty = qty + 1", "DELETE FROM ledger"])
def test_the_ledger_is_append_only(conn: sqlite3.Connection, statement: str) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    assert tuple(conn.execute("SELECT sum(qty), count(*) FROM ledger").fetchone()) == (0, 2)
