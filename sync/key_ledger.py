"""The ledger of one place (item, location, lot) around one server_seq.

The ledger's key index leads with a bucket of server_seqs (``m005_push_speed``,
``sync.counts.LEDGER_BUCKET_BITS``), so these reads walk buckets the way
count placement does: one index seek per bucket, never a scan of the ledger.
Balances are counted back from the stock row, which equals the ledger.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .counts import LEDGER_BUCKET_BITS
from .meta import current_server_seq

__all__ = ["around"]

Key = tuple[int, int, str]

_IN_BUCKETS = (
    "WITH RECURSIVE bucket(b) AS (SELECT ?1 UNION ALL SELECT b + 1 FROM bucket WHERE b < ?2)"
    " SELECT {columns} FROM ledger l {joins}"
    f" WHERE (l.server_seq >> {LEDGER_BUCKET_BITS}) IN bucket"
    " AND l.item_id = ?3 AND l.location_id = ?4 AND l.lot = ?5"
    " AND l.server_seq BETWEEN ?6 AND ?7 {rest}"
)
_ROW_COLUMNS = (
    "l.server_seq, l.entry, l.qty, l.posted_at, mv.id AS movement, mv.kind, mv.user,"
    " d.name AS device"
)
_ROW_JOINS = (
    "JOIN movements mv ON mv.server_seq = l.movement_seq JOIN devices d ON d.id = mv.device_id"
)
_ROWS_UP = _IN_BUCKETS.format(columns=_ROW_COLUMNS, joins=_ROW_JOINS,
                              rest="ORDER BY l.server_seq, l.id LIMIT ?8")  # fmt: skip
_ROWS_DOWN = _IN_BUCKETS.format(columns=_ROW_COLUMNS, joins=_ROW_JOINS,
                                rest="ORDER BY l.server_seq DESC, l.id DESC LIMIT ?8")  # fmt: skip
_SUM = _IN_BUCKETS.format(columns="coalesce(sum(l.qty), 0)", joins="", rest="")
_BACK_BUCKETS = 64  # buckets read per step when looking back for earlier entries


def _args(key: Key, lo: int, hi: int) -> tuple[int | str, ...]:
    return (lo >> LEDGER_BUCKET_BITS, hi >> LEDGER_BUCKET_BITS, *key, lo, hi)


def around(
    conn: sqlite3.Connection, key: Key, seq: int, *, count: int = 10
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Up to ``count`` entries before ``seq`` and ``count + 1`` from it, each with the
    balance after it; and the stock before ``seq``, after it and now."""
    newest = current_server_seq(conn)
    row = conn.execute(
        "SELECT on_hand FROM stock WHERE item_id = ? AND location_id = ? AND lot = ?", key
    ).fetchone()
    now = 0 if row is None else int(row[0])
    since = int(conn.execute(_SUM, _args(key, seq, newest)).fetchone()[0])
    at_seq = int(conn.execute(_SUM, _args(key, seq, seq)).fetchone()[0])
    before = now - since
    earlier: list[sqlite3.Row] = []
    top = seq - 1
    while top >= 0 and len(earlier) < count:
        low = max(0, ((top >> LEDGER_BUCKET_BITS) - _BACK_BUCKETS + 1) << LEDGER_BUCKET_BITS)
        earlier += conn.execute(_ROWS_DOWN, (*_args(key, low, top), count - len(earlier)))
        top = low - 1
    later = conn.execute(_ROWS_UP, (*_args(key, seq, newest), count + 1)).fetchall()
    entries: list[dict[str, Any]] = []
    balance = before - sum(e["qty"] for e in earlier)
    for e in [*reversed(earlier), *later]:
        balance += e["qty"]
        entries.append({**dict(e), "balance": balance})
    return entries, {"before": before, "after": before + at_seq, "now": now}
