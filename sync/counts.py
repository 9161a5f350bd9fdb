"""Counts are assertions at a position in the movement order.

A count says "at this moment this bin held N of this item/lot".  It is placed
after every movement its device had pulled (``server_seq <= basis``), after
its own device's earlier movements (by ``seq``), and among other devices'
movements by corrected event time.  What it posts is ``counted - book``,
where book is the quantity at that position; movements placed after it still
apply on top.

When a movement placed *before* a posted count arrives late, the count has
already absorbed it: a re-adjustment of the opposite sign is appended at the
count's position (never an edit of the old entry).  The nearest following
count absorbs it; counts further on are unaffected.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cmp_to_key
from typing import NamedTuple

from .posting import Key, Poster, StockRow

__all__ = [
    "LEDGER_BUCKET_BITS",
    "Position",
    "placed_before",
    "CountCheck",
    "check_count",
    "following_count",
]

# The ledger's key index leads with server_seq >> LEDGER_BUCKET_BITS (migration
# m005_push_speed), so a push's entries land together; "a key's entries since
# a basis" is one index seek per bucket.  Must match that migration.
LEDGER_BUCKET_BITS = 10


class Position(NamedTuple):  # a tuple: made for every movement merged
    movement_id: str
    device_id: str
    seq: int
    basis: int
    event_ms: int
    server_seq: int


def placed_before(a: Position, b: Position) -> bool:
    """Whether movement ``a`` comes before ``b`` in the movement order."""
    if a.movement_id == b.movement_id:
        return False
    if a.server_seq <= b.basis:
        return True  # b's device had pulled a
    if b.server_seq <= a.basis:
        return False  # a's device had pulled b
    if a.device_id == b.device_id:
        return a.seq < b.seq
    return (a.event_ms, a.server_seq) < (b.event_ms, b.server_seq)


def _order(a: Position, b: Position) -> int:
    if placed_before(a, b):
        return -1
    if placed_before(b, a):
        return 1
    return 0


_POSITION_COLUMNS = "m.id, m.device_id, m.seq, m.basis, m.event_ms, m.server_seq"


def _position(row: sqlite3.Row | tuple[object, ...], offset: int = 0) -> Position:
    return Position(*row[offset : offset + 6])


@dataclass(frozen=True, slots=True)
class CountCheck:
    book: int
    variance: int
    ambiguous_with: str | None  # a movement id
    disagrees_with: str | None  # a count's movement id
    absorbed_by: Position | None  # a later-placed count that absorbs the variance


_ENTRIES_SINCE = (
    "WITH RECURSIVE bucket(b) AS (SELECT ?1 UNION ALL SELECT b + 1 FROM bucket WHERE b < ?2)"
    f" SELECT l.qty, m.kind, {_POSITION_COLUMNS} FROM ledger l"
    " JOIN movements m ON m.server_seq = l.movement_seq"
    f" WHERE (l.server_seq >> {LEDGER_BUCKET_BITS}) IN bucket"
    " AND l.item_id = ?3 AND l.location_id = ?4 AND l.lot = ?5 AND l.server_seq > ?6"
)


def _entries_since(poster: Poster, key: Key, basis: int) -> list[tuple[int, str, Position]]:
    first, last = (basis + 1) >> LEDGER_BUCKET_BITS, poster.last_seq >> LEDGER_BUCKET_BITS
    rows = poster.conn.execute(_ENTRIES_SINCE, (first, last, *key, basis)).fetchall()
    return [(row[0], row[1], _position(row, 2)) for row in rows]


def _counts_since(poster: Poster, key: Key, after_seq: int) -> list[tuple[int, Position]]:
    rows = poster.conn.execute(
        f"SELECT c.counted, {_POSITION_COLUMNS} FROM counts c"
        " JOIN movements m ON m.server_seq = c.movement_seq"
        " WHERE c.item_id = ? AND c.location_id = ? AND c.lot = ? AND c.server_seq > ?",
        (*key, after_seq),
    ).fetchall()
    return [(row[0], _position(row, 1)) for row in rows]


def _nearest(positions: list[Position]) -> Position | None:
    if not positions:
        return None
    return sorted(positions, key=cmp_to_key(_order))[0]


def check_count(
    poster: Poster,
    key: Key,
    count: Position,
    counted: int,
    *,
    window_ms: int,
    recount_window_ms: int,
    unflushed_counts: list[tuple[int, Position]] | None = None,
    stored: StockRow | None = None,
) -> CountCheck:
    """Place a count and say what it would post and what stands in its way.

    The caller must have flushed the poster's entries, so the ledger holds them
    all — or, for a count merged in device order, may leave unflushed the
    entries of its own device's earlier movements (placed before it, never
    ambiguous with it: they change nothing here) and pass its device's earlier
    counts at ``key`` in ``unflushed_counts``.  Then ``stored``, the stock row
    as read (its ``stored_seq`` and ``stored_count_seq``), spares the queries
    for entries or counts after the basis when the row says there are none.
    """
    on_hand = poster.stock_row(key).on_hand
    if stored is not None and stored.stored_seq <= count.basis:
        entries = []  # every change of a place moves its stock row's server_seq
    else:
        entries = _entries_since(poster, key, count.basis)
    after = [(qty, kind, pos) for qty, kind, pos in entries if not placed_before(pos, count)]
    book = on_hand - sum(qty for qty, _, _ in after)
    variance = counted - book

    ambiguous_with = None
    for _, kind, pos in entries:
        if (
            kind != "count"
            and pos.device_id != count.device_id
            and abs(pos.event_ms - count.event_ms) <= window_ms
        ):
            ambiguous_with = pos.movement_id
            break

    # Counts of the same place: the nearest placed after this one, and the
    # latest placed before it within the recount window.
    if (
        stored is not None
        and stored.stored_count_seq is not None
        and stored.stored_count_seq <= count.basis
    ):
        counts = []  # no count here was posted after the basis
    else:
        counts = _counts_since(poster, key, count.basis)
    row = poster.conn.execute(
        f"SELECT c.counted, {_POSITION_COLUMNS} FROM counts c"
        " JOIN movements m ON m.server_seq = c.movement_seq"
        " WHERE c.item_id = ? AND c.location_id = ? AND c.lot = ? AND c.server_seq <= ?"
        " ORDER BY c.server_seq DESC LIMIT 1",
        (*key, count.basis),
    ).fetchone()
    latest_known = None if row is None else (row[0], _position(row, 1))
    if unflushed_counts:  # as if they were in the tables: by server_seq against the basis
        in_tables = {pos.movement_id for _, pos in counts}
        for c, pos in unflushed_counts:
            if pos.server_seq > count.basis:
                if pos.movement_id not in in_tables:
                    counts.append((c, pos))
            elif latest_known is None or pos.server_seq > latest_known[1].server_seq:
                latest_known = (c, pos)
    if latest_known is not None:
        counts.append(latest_known)
    later = [(c, pos) for c, pos in counts if placed_before(count, pos)]
    absorbed_by = _nearest([pos for _, pos in later])
    disagrees_with = None
    if absorbed_by is not None:
        # What this count implies for the next one, through what lies between.
        between = sum(
            qty
            for qty, kind, pos in after
            if pos.movement_id != absorbed_by.movement_id and placed_before(pos, absorbed_by)
        )
        next_counted = next(c for c, pos in later if pos.movement_id == absorbed_by.movement_id)
        close = abs(absorbed_by.event_ms - count.event_ms) <= recount_window_ms
        if close and counted + between != next_counted:
            disagrees_with = absorbed_by.movement_id
    elif variance != 0:
        earlier = [
            pos
            for _, pos in counts
            if placed_before(pos, count) and abs(count.event_ms - pos.event_ms) <= recount_window_ms
        ]
        if earlier:
            disagrees_with = sorted(earlier, key=cmp_to_key(_order))[-1].movement_id
    return CountCheck(book, variance, ambiguous_with, disagrees_with, absorbed_by)


def following_count(
    poster: Poster, key: Key, movement: Position, *, window_ms: int
) -> tuple[Position | None, str | None]:
    """For a delta at ``key``: the posted count that absorbs it, if it was placed
    before one, and a count whose clock window it falls in (ambiguous)."""
    counts = _counts_since(poster, key, movement.basis)
    later = [pos for _, pos in counts if placed_before(movement, pos)]
    ambiguous = next(
        (
            pos.movement_id
            for _, pos in counts
            if pos.device_id != movement.device_id
            and abs(pos.event_ms - movement.event_ms) <= window_ms
        ),
        None,
    )
    return _nearest(later), ambiguous
