"""Checking the ledger against the stock projection, and rebuilding it.

``verify`` rebuilds stock from the ledger in memory and names every
difference; it also checks what the ledger itself must always satisfy:
double entry (each item's entries sum to zero over all locations), posted
movements have entries, held and rejected ones have none.
"""

from __future__ import annotations

import sqlite3

from .db import read_transaction, write_transaction
from .meta import new_epoch

__all__ = ["verify", "rebuild_stock"]

_REBUILT = (
    "SELECT item_id, location_id, lot, SUM(qty) FROM ledger GROUP BY item_id, location_id, lot"
)


def _rebuilt_and_stored(
    conn: sqlite3.Connection,
) -> tuple[dict[tuple[int, int, str], int], dict[tuple[int, int, str], int]]:
    rebuilt = {(r[0], r[1], r[2]): r[3] for r in conn.execute(_REBUILT)}
    stored = {
        (r[0], r[1], r[2]): r[3]
        for r in conn.execute("SELECT item_id, location_id, lot, on_hand FROM stock")
    }
    return rebuilt, stored


def _names(conn: sqlite3.Connection) -> tuple[dict[int, str], dict[int, str]]:
    items = {r[0]: r[1] for r in conn.execute("SELECT id, sku FROM items")}
    locations = {r[0]: r[1] for r in conn.execute("SELECT id, code FROM locations")}
    return items, locations


def verify(conn: sqlite3.Connection) -> list[str]:
    """Every way the database breaks the ledger's invariants, described; [] when clean."""
    problems: list[str] = []
    with read_transaction(conn):
        items, locations = _names(conn)

        def where(item_id: int, location_id: int, lot: str) -> str:
            name = f"{items.get(item_id, item_id)} at {locations.get(location_id, location_id)}"
            return f"{name} lot {lot}" if lot else name

        rebuilt, stored = _rebuilt_and_stored(conn)
        for key in sorted(set(rebuilt) | set(stored)):
            book, table = rebuilt.get(key, 0), stored.get(key, 0)
            if book != table:
                problems.append(f"stock of {where(*key)} is {table} but the ledger says {book}")
        for item_id, total in conn.execute(
            "SELECT item_id, SUM(qty) FROM ledger GROUP BY item_id HAVING SUM(qty) != 0"
        ):
            problems.append(
                f"ledger of {items.get(item_id, item_id)} does not balance: entries sum to {total}"
            )
        for movement_id, kind in conn.execute(
            "SELECT m.id, m.kind FROM movements m WHERE m.state IN ('applied', 'flagged')"
            " AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.movement_seq = m.server_seq)"
        ):
            problems.append(f"{kind} {movement_id} is posted but has no ledger entries")
        for movement_id, state in conn.execute(
            "SELECT m.id, m.state FROM movements m WHERE m.state IN ('held', 'rejected')"
            " AND EXISTS (SELECT 1 FROM ledger l WHERE l.movement_seq = m.server_seq)"
        ):
            problems.append(f"movement {movement_id} is {state} but has ledger entries")
    return problems


def rebuild_stock(conn: sqlite3.Connection) -> int:
    """Make the stock table equal to the ledger; returns how many rows changed.

    A repair, never part of normal work.  When anything changed the database
    gets a new epoch, so devices pull afresh (and re-push their sent logs,
    which replay)."""
    changed = 0
    with write_transaction(conn):
        rebuilt, stored = _rebuilt_and_stored(conn)
        seq = None
        for key in set(rebuilt) | set(stored):
            if rebuilt.get(key, 0) != stored.get(key, 0):
                if seq is None:
                    seq = conn.execute(
                        "UPDATE counters SET value = value + 1 WHERE name = 'server_seq'"
                        " RETURNING value"
                    ).fetchone()[0]
                conn.execute(
                    "INSERT INTO stock(item_id, location_id, lot, on_hand, server_seq)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT(item_id, location_id, lot)"
                    " DO UPDATE SET on_hand = excluded.on_hand, server_seq = excluded.server_seq",
                    (*key, rebuilt.get(key, 0), seq),
                )
                changed += 1
        if changed:
            # Devices find changed stock through the ledger, and these rows
            # changed without an entry: a new epoch makes every device reset.
            new_epoch(conn)
    return changed
