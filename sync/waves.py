"""Waves and pick lists: allocated orders turned into walkable work.

A wave takes the most urgent allocated orders whose reservations are not yet
on a list (and orders already being picked that still have such reservations:
units picked without a list, a reallocation after their list finished),
groups their reservations by the zone of the bin, and cuts each zone into
pick lists of a few orders each.  Every order on a list gets a tote
of its own (cluster picking: a free staging location); tasks are numbered in
the walk order of their bins.  A list assigned to a picker reaches that
picker's devices through pull (``changes.tasks``), so it can be worked offline.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from typing import Any

from .clock import iso_now
from .db import write_transaction
from .errors import Conflict, InvalidRequest, NotFound
from .handoffs import record_handoff
from .meta import next_server_seq
from .putback import PUTBACK_TASKS_FOR_USER

__all__ = ["build_wave", "assign_pick_list", "get_pick_list", "TASKS_FOR_USER"]

_WAITING = """
SELECT r.id, ol.order_id, r.order_line_id, r.item_id, r.location_id, r.lot, r.qty,
       coalesce(l.zone, ''), l.pick_seq, l.code
FROM reservations r
JOIN order_lines ol ON ol.id = r.order_line_id
JOIN locations l ON l.id = r.location_id
WHERE r.released_at IS NULL AND ol.order_id IN ({orders})
  AND NOT EXISTS (SELECT 1 FROM pick_tasks t WHERE t.reservation_id = r.id)
"""

_FREE_TOTES = """
SELECT l.id FROM locations l
WHERE l.kind = 'staging' AND l.active = 1
  AND NOT EXISTS (SELECT 1 FROM pick_tasks t JOIN pick_lists p ON p.id = t.pick_list_id
                  WHERE t.tote_id = l.id AND p.status = 'open')
  AND NOT EXISTS (SELECT 1 FROM stock s WHERE s.location_id = l.id AND s.on_hand != 0)
ORDER BY l.code
"""

_TASKS = """
SELECT 'PT-' || t.id AS id, 'pick' AS kind, p.number AS list, p.status AS list_status,
       o.number || '/' || ol.line_no AS order_line, i.sku AS item, l.code AS location,
       t.lot, t.qty, tote.code AS tote, t.walk, t.server_seq, t.status, tote.code AS "to"
FROM pick_tasks t
JOIN pick_lists p ON p.id = t.pick_list_id
JOIN order_lines ol ON ol.id = t.order_line_id
JOIN orders o ON o.id = ol.order_id
JOIN items i ON i.id = t.item_id
JOIN locations l ON l.id = t.location_id
JOIN locations tote ON tote.id = t.tote_id
WHERE {where}
"""
# The tasks a device sees: those of the lists assigned to its user, and the
# put-backs given to that user (``putback.py``), each with its status.
TASKS_FOR_USER = (
    _TASKS.format(
        where="p.assigned_to = :user AND t.server_seq > :cursor AND t.server_seq <= :upto"
    )
    + " UNION ALL "
    + PUTBACK_TASKS_FOR_USER
    + " ORDER BY kind, list, walk"
)
_TASKS_OF_LIST = _TASKS.format(where="p.id = :list") + " ORDER BY t.walk"


def build_wave(
    conn: sqlite3.Connection, *, by_user: str, max_orders: int = 50, orders_per_list: int = 10
) -> list[str]:
    """Make pick lists for up to ``max_orders`` allocated (or started) orders; returns
    their numbers."""
    if not 1 <= max_orders <= 10_000:
        raise InvalidRequest("max_orders: 1 to 10,000")
    if not 1 <= orders_per_list <= 100:
        raise InvalidRequest("orders_per_list: 1 to 100")
    with write_transaction(conn):
        orders = [
            row[0]
            for row in conn.execute(
                "SELECT o.id FROM orders o WHERE o.status IN ('allocated', 'picking') AND EXISTS ("
                " SELECT 1 FROM reservations r JOIN order_lines ol ON ol.id = r.order_line_id"
                " WHERE ol.order_id = o.id AND r.released_at IS NULL"
                " AND NOT EXISTS (SELECT 1 FROM pick_tasks t WHERE t.reservation_id = r.id))"
                " ORDER BY o.priority, o.id LIMIT ?",
                (max_orders,),
            )
        ]
        if not orders:
            return []
        totes = [row[0] for row in conn.execute(_FREE_TOTES)]
        marks = ",".join("?" * len(orders))
        by_zone: dict[str, dict[int, list[tuple[Any, ...]]]] = defaultdict(dict)
        for row in conn.execute(_WAITING.format(orders=marks), orders):
            by_zone[row[7]].setdefault(row[1], []).append(row)
        made: list[str] = []
        now = iso_now()
        for zone in sorted(by_zone):
            zone_orders = sorted(by_zone[zone], key=orders.index)
            for start in range(0, len(zone_orders), orders_per_list):
                chunk = zone_orders[start : start + orders_per_list]
                if len(totes) < len(chunk):
                    if not made:
                        raise Conflict("no free totes: add staging locations or finish lists")
                    return made
                made.append(_make_list(conn, zone, chunk, by_zone[zone], totes, now, by_user))
        return made


def _make_list(
    conn: sqlite3.Connection,
    zone: str,
    orders: list[int],
    reservations: dict[int, list[tuple[Any, ...]]],
    totes: list[int],
    now: str,
    by_user: str,
) -> str:
    seq = next_server_seq(conn)
    cur = conn.execute(
        "INSERT INTO pick_lists(number, zone, created_at, created_by, server_seq)"
        " VALUES ('', ?, ?, ?, ?)",
        (zone or None, now, by_user, seq),
    )
    list_id = int(cur.lastrowid or 0)
    number = f"PL-{list_id}"
    conn.execute("UPDATE pick_lists SET number = ? WHERE id = ?", (number, list_id))
    tote_of = {order_id: totes.pop(0) for order_id in orders}
    rows = sorted(
        (r for order_id in orders for r in reservations[order_id]),
        key=lambda r: (r[8] is None, r[8] or 0, r[9]),
    )
    conn.executemany(
        "INSERT INTO pick_tasks(pick_list_id, walk, reservation_id, order_line_id, item_id,"
        " location_id, lot, qty, tote_id, server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (list_id, walk, r[0], r[2], r[3], r[4], r[5], r[6], tote_of[r[1]], seq)
            for walk, r in enumerate(rows, 1)
        ],
    )
    return number


def assign_pick_list(conn: sqlite3.Connection, number: str, username: str) -> dict[str, Any]:
    """Give a list to a picker; its tasks reach the picker's devices on their next pull."""
    with write_transaction(conn):
        row = conn.execute(
            "SELECT id, status, assigned_to FROM pick_lists WHERE number = ?", (number,)
        )
        found = row.fetchone()
        if found is None:
            raise NotFound(f"no pick list {number}")
        if found[1] != "open":
            raise Conflict(f"{number} is {found[1]}")
        user = conn.execute(
            "SELECT role FROM users WHERE username = ? AND active = 1", (username,)
        ).fetchone()
        if user is None:
            raise InvalidRequest(f"username: no active user {username}")
        seq = next_server_seq(conn)
        conn.execute(
            "UPDATE pick_lists SET assigned_to = ?, server_seq = ? WHERE id = ?",
            (username, seq, found[0]),
        )
        conn.execute("UPDATE pick_tasks SET server_seq = ? WHERE pick_list_id = ?", (seq, found[0]))
        record_handoff(conn, found[0], found[2], username, seq)
        return get_pick_list(conn, number)


def get_pick_list(conn: sqlite3.Connection, number: str) -> dict[str, Any]:
    found = conn.execute(
        "SELECT id, number, zone, assigned_to, status, done_at FROM pick_lists WHERE number = ?",
        (number,),
    ).fetchone()
    if found is None:
        raise NotFound(f"no pick list {number}")
    tasks = conn.execute(_TASKS_OF_LIST, {"list": found[0]}).fetchall()
    return {
        "number": found[1],
        "zone": found[2],
        "assigned_to": found[3],
        "status": found[4],
        "done_at": found[5],
        "tasks": [
            {k: v for k, v in dict(row).items() if k not in ("list", "list_status", "server_seq")}
            for row in tasks
        ],
    }
