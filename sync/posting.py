"""The one write path for stock: ledger entries and the stock projection.

A ``Poster`` lives for one write transaction.  It hands out ``server_seq``
numbers, buffers ledger entries and the movement, count and conflict rows,
keeps the stock rows it touched in memory, and writes everything with a few
``executemany`` calls in ``flush``.  Reads that must see this transaction's
own movements and ledger entries call ``flush_entries`` first (the merge
mostly need not: see ``Merger._count``); stock is read from the Poster
itself, so its rows are written once per transaction, by ``flush``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .clock import iso_now

__all__ = ["StockRow", "Poster", "Key"]

Key = tuple[int, int, str]  # item_id, location_id, lot ('' for none)


@dataclass(slots=True)
class StockRow:
    on_hand: int
    last_count_seq: int | None
    server_seq: int
    # last_count_seq as the database had it when this Poster read the row: counts
    # this Poster posts since do not change it (see Merger's same-device shortcut)
    stored_count_seq: int | None = None
    stored: bool = False  # the row is in the table (an UPDATE writes it, not an upsert)
    stored_seq: int = 0  # server_seq as the database had it when this Poster read the row


_INSERT_LEDGER = (
    "INSERT INTO ledger(server_seq, movement_seq, cause_seq, entry, item_id, location_id, lot,"
    " qty, posted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_STOCK = (
    "INSERT INTO stock(item_id, location_id, lot, on_hand, last_count_seq, server_seq)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(item_id, location_id, lot) DO UPDATE SET"
    " on_hand = excluded.on_hand, last_count_seq = excluded.last_count_seq,"
    " server_seq = excluded.server_seq"
)
_UPDATE_STOCK = (
    "UPDATE stock SET on_hand = ?, last_count_seq = ?, server_seq = ?"
    " WHERE item_id = ? AND location_id = ? AND lot = ?"
)
_INSERT_CONFLICT = (
    "INSERT INTO conflicts(id, movement_seq, code, message, item_id, location_id, device_id,"
    " created_at, server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_COUNT = (
    "INSERT INTO counts(movement_seq, item_id, location_id, lot, counted, server_seq)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
_INSERT_MOVEMENT = (
    "INSERT INTO movements(id, device_id, seq, server_seq, status_seq, kind, user, recorded_at,"
    " event_ms, time_uncertain, received_at, basis, item_id, lot, from_id, to_id, units,"
    " outcome, state, code, message, digest, payload)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class Poster:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.posted_at = iso_now()
        row = conn.execute("SELECT value FROM counters WHERE name = 'server_seq'").fetchone()
        self.last_seq = self.start_seq = int(row[0])
        self.stock: dict[Key, StockRow] = {}
        self._dirty: dict[Key, StockRow] = {}  # changed since the last flush
        self._ledger: list[tuple[object, ...]] = []
        self._movements: list[tuple[object, ...]] = []
        self._conflicts: list[tuple[object, ...]] = []
        self._counts: list[tuple[object, ...]] = []
        # Conflict ids are handed out here too: the transaction holds the write lock.
        self.last_conflict_id = self._max_conflict_id()

    def _max_conflict_id(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(id), 0) FROM conflicts").fetchone()[0])

    # -- sequence numbers -------------------------------------------------

    def next_seq(self) -> int:
        self.last_seq += 1
        return self.last_seq

    # -- stock --------------------------------------------------------------

    def stock_row(self, key: Key) -> StockRow:
        row = self.stock.get(key)
        if row is None:
            found = self.conn.execute(
                "SELECT on_hand, last_count_seq, server_seq FROM stock"
                " WHERE item_id = ? AND location_id = ? AND lot = ?",
                key,
            ).fetchone()
            row = (
                StockRow(0, None, 0)
                if found is None
                else StockRow(found[0], found[1], found[2], found[1], True, found[2])
            )
            self.stock[key] = row
        return row

    def prefetch(self, keys: set[Key]) -> None:
        """Read the stock rows for ``keys`` in a few queries instead of one each."""
        wanted = [k for k in keys if k not in self.stock]
        for start in range(0, len(wanted), 300):
            chunk = wanted[start : start + 300]
            values = ",".join("(?, ?, ?)" for _ in chunk)
            params = [v for key in chunk for v in key]
            for row in self.conn.execute(
                "SELECT s.item_id, s.location_id, s.lot, s.on_hand, s.last_count_seq,"
                f" s.server_seq FROM (VALUES {values}) AS v CROSS JOIN stock s"
                " ON s.item_id = v.column1 AND s.location_id = v.column2 AND s.lot = v.column3",
                params,
            ):
                self.stock[(row[0], row[1], row[2])] = StockRow(
                    row[3], row[4], row[5], row[4], True, row[5]
                )
            for key in chunk:
                self.stock.setdefault(key, StockRow(0, None, 0))

    def entry(
        self,
        seq: int,
        movement_seq: int,
        entry: str,
        key: Key,
        qty: int,
        cause_seq: int | None = None,
    ) -> StockRow:
        """Append one ledger entry (posted at ``seq``, placed at ``movement_seq``)
        and apply it to the projection."""
        self._ledger.append(
            (seq, movement_seq, cause_seq, entry, key[0], key[1], key[2], qty, self.posted_at)
        )
        row = self.stock_row(key)
        row.on_hand += qty
        row.server_seq = seq
        self._dirty[key] = row
        return row

    # -- movements ------------------------------------------------------------

    def movement(self, values: tuple[object, ...]) -> None:
        """Buffer one movements row (the column order of ``_INSERT_MOVEMENT``)."""
        self._movements.append(values)

    def count(self, values: tuple[object, ...]) -> None:
        """Buffer one counts row (the column order of ``_INSERT_COUNT``)."""
        self._counts.append(values)

    def conflict(self, values: tuple[object, ...]) -> int:
        """Buffer one conflicts row (without its id); returns the id it will have."""
        self.last_conflict_id += 1
        self._conflicts.append((self.last_conflict_id, *values))
        return self.last_conflict_id

    # -- writing ----------------------------------------------------------------

    def flush_entries(self) -> None:
        """Write the buffered movements, ledger entries and conflicts (not stock)."""
        conn = self.conn
        if self._movements:
            conn.executemany(_INSERT_MOVEMENT, self._movements)
            self._movements.clear()
        if self._ledger:
            conn.executemany(_INSERT_LEDGER, self._ledger)
            self._ledger.clear()
        if self._conflicts:
            conn.executemany(_INSERT_CONFLICT, self._conflicts)
            self._conflicts.clear()
        if self._counts:
            conn.executemany(_INSERT_COUNT, self._counts)
            self._counts.clear()

    def flush(self) -> None:
        """Write everything buffered: entries, the changed stock rows, the counter."""
        conn = self.conn
        self.flush_entries()
        if self._dirty:
            self._write_stock()
        if self.last_seq != self.start_seq:
            conn.execute(
                "UPDATE counters SET value = ? WHERE name = 'server_seq'", (self.last_seq,)
            )
            self.start_seq = self.last_seq

    def _write_stock(self) -> None:
        """The changed stock rows: an UPDATE by key for rows read from the table
        (one seek, where an upsert tries the insert first), an upsert for new ones."""
        conn = self.conn
        known = [(r.on_hand, r.last_count_seq, r.server_seq, k[0], k[1], k[2])
                 for k, r in self._dirty.items() if r.stored]  # fmt: skip
        new = [(k[0], k[1], k[2], r.on_hand, r.last_count_seq, r.server_seq)
               for k, r in self._dirty.items() if not r.stored]  # fmt: skip
        if known and conn.executemany(_UPDATE_STOCK, known).rowcount != len(known):
            # a row read from the table is gone (never expected): write them all again
            new = [(k[0], k[1], k[2], r.on_hand, r.last_count_seq, r.server_seq)
                   for k, r in self._dirty.items()]  # fmt: skip
        if new:
            conn.executemany(_UPSERT_STOCK, new)
        for row in self._dirty.values():
            row.stored = True
        self._dirty.clear()

    def forget(self, seq_before: int) -> None:
        """Drop what is buffered and cached after a rollback to a savepoint."""
        self._movements.clear()
        self._ledger.clear()
        self._conflicts.clear()
        self._counts.clear()
        self.stock.clear()
        self._dirty.clear()
        self.last_conflict_id = self._max_conflict_id()
        self.last_seq = self.start_seq = seq_before
