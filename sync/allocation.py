"""Allocation: promising stock to order lines without ever overselling.

Available stock at a place is its on-hand quantity minus the active
reservations there.  Only pick and reserve locations are allocated from,
never a lot on hold, recalled or past its expiry.  Expiry-tracked items go
first-expired-first-out; others first-in-first-out by the lot's age, then
pick faces before reserve, in walk order.

Allocation runs inside the write transaction that creates or re-allocates
the order.  SQLite has one writer at a time, so two orders can never both
take the last unit, however many arrive at once.
"""

from __future__ import annotations

import sqlite3

from .clock import iso_now
from .kinds import ALLOCATABLE_LOCATION_KINDS

__all__ = ["allocate", "allocate_lines", "plan_reservations", "reserve", "release", "available",
           "available_for", "backordered_for",
           "has_backorders"]  # fmt: skip

_KINDS = ", ".join(f"'{k}'" for k in ALLOCATABLE_LOCATION_KINDS)

_CANDIDATES = f"""
SELECT s.location_id, s.lot, s.item_id,
       s.on_hand - coalesce((SELECT sum(r.qty) FROM reservations r
                             WHERE r.item_id = s.item_id AND r.location_id = s.location_id
                               AND r.lot = s.lot AND r.released_at IS NULL), 0) AS free
FROM stock s
JOIN locations l ON l.id = s.location_id
JOIN items i ON i.id = s.item_id
LEFT JOIN lots ON lots.item_id = s.item_id AND lots.code = s.lot AND s.lot != ''
WHERE s.item_id IN ({{items}}) AND s.on_hand > 0 AND l.active = 1 AND l.kind IN ({_KINDS})
  AND coalesce(lots.status, 'ok') = 'ok'
  AND (lots.expiry IS NULL OR lots.expiry >= :today)
ORDER BY s.item_id,
  CASE WHEN i.expiry_tracked = 1 AND lots.expiry IS NOT NULL THEN lots.expiry END IS NULL,
  CASE WHEN i.expiry_tracked = 1 THEN lots.expiry END,
  lots.server_seq IS NULL, lots.server_seq,
  l.kind != 'pick', l.pick_seq IS NULL, l.pick_seq, l.code
"""


def available(
    conn: sqlite3.Connection, item_id: int, today: str | None = None
) -> list[tuple[int, str, int]]:
    """(location_id, lot, free quantity) in the order allocation takes them."""
    return available_for(conn, [item_id], today).get(item_id, [])


def available_for(
    conn: sqlite3.Connection, item_ids: list[int], today: str | None = None
) -> dict[int, list[tuple[int, str, int]]]:
    """``available`` for several items in one query, by item."""
    today = today or iso_now()[:10]
    params = {"today": today, **{f"i{n}": item for n, item in enumerate(item_ids)}}
    marks = ", ".join(f":i{n}" for n in range(len(item_ids)))
    found: dict[int, list[tuple[int, str, int]]] = {}
    for r in conn.execute(_CANDIDATES.format(items=marks), params):
        if r[3] > 0:
            found.setdefault(r[2], []).append((r[0], r[1], r[3]))
    return found


def allocate(conn: sqlite3.Connection, order_id: int) -> bool:
    """Reserve what each line still needs; True when every line is fully reserved.

    Runs inside the caller's write transaction.
    """
    lines = conn.execute(
        "SELECT ol.id, ol.item_id, ol.qty - ol.picked - coalesce((SELECT sum(r.qty)"
        "   FROM reservations r WHERE r.order_line_id = ol.id AND r.released_at IS NULL), 0)"
        " FROM order_lines ol WHERE ol.order_id = ? ORDER BY ol.line_no",
        (order_id,),
    ).fetchall()
    made = allocate_lines(conn, [(r[0], r[1], r[2]) for r in lines])
    return all(sum(q for line, _, _, q in made if line == r[0]) >= r[2] for r in lines)


def allocate_lines(
    conn: sqlite3.Connection, lines: list[tuple[int, int, int]], *, now: str | None = None
) -> list[tuple[int, int, str, int]]:
    """Reserve ``need`` units for each (line id, item id, need); returns the
    reservations made as (line id, location id, lot, qty).  Inside the
    caller's write transaction."""
    now = now or iso_now()
    candidates = available_for(conn, sorted({item for _, item, _ in lines}), now[:10])
    made = plan_reservations(candidates, lines, {})
    reserve(conn, made, {line: item for line, item, _ in lines}, now)
    return made


def plan_reservations(
    candidates: dict[int, list[tuple[int, str, int]]],
    lines: list[tuple[int, int, int]],
    taken: dict[tuple[int, int, str], int],
) -> list[tuple[int, int, str, int]]:
    """Which places serve each (line id, item id, need), in ``candidates``' order
    (``available_for``: FEFO or FIFO, pick faces first).  ``taken`` counts what
    earlier lines of the same write transaction took from each
    (item, location, lot) and is updated, so nothing is promised twice."""
    made: list[tuple[int, int, str, int]] = []
    for line_id, item_id, need in lines:
        for location_id, lot, free in candidates.get(item_id, ()):
            if need <= 0:
                break
            key = (item_id, location_id, lot)
            take = min(need, free - taken.get(key, 0))
            if take <= 0:
                continue
            taken[key] = taken.get(key, 0) + take
            made.append((line_id, location_id, lot, take))
            need -= take
    return made


def reserve(
    conn: sqlite3.Connection,
    made: list[tuple[int, int, str, int]],
    item_of_line: dict[int, int],
    now: str,
) -> None:
    """Insert the reservations ``plan_reservations`` made, in one statement."""
    conn.executemany(
        "INSERT INTO reservations(order_line_id, item_id, location_id, lot, qty, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(line, item_of_line[line], location, lot, qty, now) for line, location, lot, qty in made],
    )


def release(conn: sqlite3.Connection, order_id: int, why: str) -> int:
    """Release every active reservation of the order; returns how many."""
    cur = conn.execute(
        "UPDATE reservations SET released_at = ?, released_why = ?"
        " WHERE released_at IS NULL AND order_line_id IN"
        " (SELECT id FROM order_lines WHERE order_id = ?)",
        (iso_now(), why, order_id),
    )
    return cur.rowcount


def backordered_for(conn: sqlite3.Connection, since_seq: int) -> list[tuple[int, str]]:
    """Backordered orders (id, number) wanting an item whose stock rose at an
    allocatable location after ``since_seq``, most urgent and oldest first."""
    rows = conn.execute(
        f"""
        SELECT DISTINCT o.id, o.number, o.priority FROM orders o
        JOIN order_lines ol ON ol.order_id = o.id
        WHERE o.status = 'backordered' AND ol.item_id IN (
            SELECT le.item_id FROM ledger le JOIN locations l ON l.id = le.location_id
            WHERE le.server_seq > ? AND le.qty > 0 AND l.kind IN ({_KINDS}))
        ORDER BY o.priority, o.id
        """,
        (since_seq,),
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def has_backorders(conn: sqlite3.Connection) -> bool:
    """Whether any order waits for stock (a cheap check before taking the writer)."""
    return (
        conn.execute("SELECT 1 FROM orders WHERE status = 'backordered' LIMIT 1").fetchone()
        is not None
    )
