"""Per-database facts: the epoch, the change counter, the server's own device."""

from __future__ import annotations

import sqlite3
import uuid

__all__ = [
    "epoch",
    "new_epoch",
    "current_server_seq",
    "next_server_seq",
    "reserve_server_seqs",
    "server_device_id",
    "bump_catalog_version",
    "catalog_version",
    "get_meta",
    "set_meta",
]


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def epoch(conn: sqlite3.Connection) -> str:
    value = get_meta(conn, "epoch")
    if value is None:
        raise RuntimeError("database is not initialised (no epoch): run migrate() first")
    return value


def new_epoch(conn: sqlite3.Connection) -> str:
    """Give the database a new epoch (after a restore).  Inside a write transaction."""
    value = str(uuid.uuid4())
    set_meta(conn, "epoch", value)
    return value


def server_device_id(conn: sqlite3.Connection) -> str:
    value = get_meta(conn, "server_device_id")
    if value is None:
        raise RuntimeError("database is not initialised: run migrate() first")
    return value


def current_server_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT value FROM counters WHERE name = 'server_seq'").fetchone()[0])


def reserve_server_seqs(conn: sqlite3.Connection, count: int) -> int:
    """Reserve ``count`` sequence numbers; returns the first.  Inside a write transaction."""
    row = conn.execute(
        "UPDATE counters SET value = value + ? WHERE name = 'server_seq' RETURNING value",
        (count,),
    ).fetchone()
    return int(row[0]) - count + 1


def next_server_seq(conn: sqlite3.Connection) -> int:
    return reserve_server_seqs(conn, 1)


def catalog_version(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT value FROM counters WHERE name = 'catalog_version'").fetchone()
    return int(row[0])


def bump_catalog_version(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE counters SET value = value + 1 WHERE name = 'catalog_version'")
