"""Short pick: the bin held fewer than the task asked for.

A pick movement that names its task (``ref.task`` = ``PT-n``), takes less
than the task's quantity and gives a reason (``reason`` or ``note``) is a
short pick.  The rest of the task's reservation is released (that bin did
not have it) and the missing units are allocated again, from any other bin
allocation would use; each new reservation becomes a new task on the same
pick list, same tote, for the same picker's devices.  Whatever cannot be
found is backordered: the order becomes ``backordered`` and the pick is
flagged ``SHORT_PICK`` for a supervisor.  Runs inside the push's write
transaction, after the pick's own effects.
"""

from __future__ import annotations

import sqlite3

from .allocation import available
from .clock import iso_now
from .ids import parse_number
from .kinds import ORDER_TRANSITIONS

__all__ = ["TaskPick", "task_of", "short_pick"]

TaskPick = tuple[int, int, int, int, int, int, int, str]


def task_of(conn: sqlite3.Connection, task: str, line_id: int) -> TaskPick | None:
    """(id, list id, reservation id, location id, tote id, qty, walk, lot) of the line's task."""
    number = parse_number(task.removeprefix("PT-"))
    if number is None:
        return None
    row = conn.execute(
        "SELECT id, pick_list_id, reservation_id, location_id, tote_id, qty, walk, lot"
        " FROM pick_tasks WHERE id = ? AND order_line_id = ? AND status = 'open'",
        (number, line_id),
    ).fetchone()
    return None if row is None else tuple(row)


def _still_needed(conn: sqlite3.Connection, task_id: int) -> int:
    """What the task's line lacks beyond what was picked for it and what is still
    reserved for it (its short task's reservation already released)."""
    row = conn.execute(
        "SELECT ol.qty - ol.picked - (SELECT coalesce(sum(r.qty), 0) FROM reservations r"
        "   WHERE r.order_line_id = ol.id AND r.released_at IS NULL)"
        " FROM pick_tasks t JOIN order_lines ol ON ol.id = t.order_line_id WHERE t.id = ?",
        (task_id,),
    ).fetchone()
    return max(0, int(row[0]))


def short_pick(
    conn: sqlite3.Connection,
    task: TaskPick,
    *,
    ref: str,
    order_id: int,
    item_id: int,
    missing: int,
    seq: int,
    user: str,
) -> list[tuple[str, str]]:
    """Re-allocate ``missing`` units of the task elsewhere; returns conflicts."""
    task_id, list_id, reservation_id, bin_id, _, _, _, lot = task
    now = iso_now()
    conn.execute(
        "UPDATE reservations SET released_at = ?, released_why = 'short pick'"
        " WHERE id = ? AND released_at IS NULL",
        (now, reservation_id),
    )
    walk = conn.execute(
        "SELECT coalesce(max(walk), 0) FROM pick_tasks WHERE pick_list_id = ?", (list_id,)
    ).fetchone()[0]
    # no more than the line still lacks: units picked for it outside the task (another
    # device's pick), or still reserved for it elsewhere, are not missing
    need = min(missing, _still_needed(conn, task_id))
    for location_id, found_lot, free in available(conn, item_id):
        if need <= 0:
            break
        if (location_id, found_lot) == (bin_id, lot):
            continue  # the bin that came up short
        take = min(need, free)
        cur = conn.execute(
            "INSERT INTO reservations(order_line_id, item_id, location_id, lot, qty, created_at)"
            " SELECT order_line_id, item_id, ?, ?, ?, ? FROM pick_tasks WHERE id = ?",
            (location_id, found_lot, take, now, task_id),
        )
        walk += 1
        conn.execute(
            "INSERT INTO pick_tasks(pick_list_id, walk, reservation_id, order_line_id, item_id,"
            " location_id, lot, qty, tote_id, server_seq)"
            " SELECT pick_list_id, ?, ?, order_line_id, item_id, ?, ?, ?, tote_id, ?"
            " FROM pick_tasks WHERE id = ?",
            (walk, cur.lastrowid, location_id, found_lot, take, seq, task_id),
        )
        need -= take
    if need <= 0:
        return []
    status = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()[0]
    if "backordered" in ORDER_TRANSITIONS[status]:
        conn.execute(
            "UPDATE orders SET status = 'backordered', server_seq = ? WHERE id = ?",
            (seq, order_id),
        )
        conn.execute(
            "INSERT INTO order_events(order_id, from_status, to_status, by_user, at, note)"
            " VALUES (?, ?, 'backordered', ?, ?, ?)",
            (order_id, status, user, now, f"short pick {ref}: {need} missing"),
        )
    return [("SHORT_PICK", f"{ref}: {need} short and no other stock; the line is backordered")]
