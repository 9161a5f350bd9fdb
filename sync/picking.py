"""A pick that names an order line: count it against the line, use up its
reservations, move the order along, and say what a supervisor must see.

Called by the merge after the pick's ledger entries are posted.  A pick is a
fact, so nothing here refuses it: a line already complete makes it
``OVERPICK``, an order cancelled or already packed ``ORDER_CLOSED``; both post.
Each pick is kept in ``line_picks`` (what a put-back must bring back); a pick
for a cancelled order gets a put-back task at once.  A pick naming its task
marks the task done; one that takes less, with a reason, is a short pick
(``short_pick.py``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .batch_refs import parse_line_ref
from .clock import iso_now
from .kinds import ORDER_TRANSITIONS
from .pick_list_done import finish_lists
from .putback import putback_late_pick
from .short_pick import TaskPick, short_pick, task_of

__all__ = ["LinePick", "pick_against_line"]

CLOSED = ("packed", "shipped", "delivered", "cancelled")


@dataclass(frozen=True, slots=True)
class LinePick:
    ref: str  # "SO-55/3"
    item_id: int
    location_id: int
    lot: str
    units: int
    seq: int  # the pick's server_seq
    user: str
    to_id: int = 0  # where the picked units went (a tote, staging)
    task: str | None = None  # "PT-7"
    reason: str | None = None  # given with a short pick


def pick_against_line(conn: sqlite3.Connection, pick: LinePick) -> list[tuple[str, str]]:
    """Apply the pick to its order line; returns conflicts as (code, message)."""
    parsed = parse_line_ref(pick.ref)
    if parsed is None:
        return []
    row = conn.execute(
        "SELECT ol.id, ol.qty, ol.picked, ol.item_id, o.id, o.status FROM order_lines ol"
        " JOIN orders o ON o.id = ol.order_id WHERE o.number = ? AND ol.line_no = ?",
        parsed,
    ).fetchone()
    if row is None:
        return []
    line_id, qty, picked, item_id, order_id, status = row
    conflicts = []
    if status in CLOSED:
        conflicts.append(("ORDER_CLOSED", f"{pick.ref}: the order is {status}"))
    elif picked + pick.units > qty:
        conflicts.append(("OVERPICK", f"{pick.ref}: {picked + pick.units} picked of {qty} ordered"))
    if item_id != pick.item_id:
        conflicts.append(("OVERPICK", f"{pick.ref}: this line is for another item"))
        return conflicts
    conn.execute("UPDATE order_lines SET picked = picked + ? WHERE id = ?", (pick.units, line_id))
    task = task_of(conn, pick.task, line_id) if pick.task else None
    conn.execute(
        "INSERT INTO line_picks(order_line_id, movement_seq, task_id, from_id, to_id, lot, units,"
        " user) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (line_id, pick.seq, task and task[0], pick.location_id, pick.to_id, pick.lot,
         pick.units, pick.user),
    )  # fmt: skip
    _use_reservations(conn, line_id, pick)
    if status == "cancelled":
        putback_late_pick(conn, line_id, item_id, tote_id=pick.to_id, bin_id=pick.location_id,
                          lot=pick.lot, units=pick.units, user=pick.user, seq=pick.seq)  # fmt: skip
    elif status not in CLOSED:
        _advance(conn, order_id, status, pick)
    if task is not None:
        conflicts += _count_against_task(conn, task, pick, order_id, item_id, status)
    return conflicts


def _count_against_task(
    conn: sqlite3.Connection,
    task: TaskPick,
    pick: LinePick,
    order_id: int,
    item_id: int,
    status: str,
) -> list[tuple[str, str]]:
    """A task is done when its quantity is picked, or when a pick with a reason
    ends it short (then the rest is allocated again or backordered)."""
    done = conn.execute(
        "SELECT sum(units) FROM line_picks WHERE task_id = ?", (task[0],)
    ).fetchone()[0]
    short = done < task[5] and bool((pick.reason or "").strip())
    if done < task[5] and not short:
        return []  # more of it to come
    conn.execute(
        "UPDATE pick_tasks SET status = 'done', server_seq = ? WHERE id = ?", (pick.seq, task[0])
    )
    conflicts = []
    if short and status not in CLOSED:
        conflicts = short_pick(conn, task, ref=pick.ref, order_id=order_id, item_id=item_id,
                               missing=task[5] - done, seq=pick.seq, user=pick.user)  # fmt: skip
    finish_lists(conn, [task[1]], pick.seq)  # a short pick may have added tasks to it
    return conflicts


def _use_reservations(conn: sqlite3.Connection, line_id: int, pick: LinePick) -> None:
    """The picked units were promised to this line: its reservations shrink,
    the one at the picked place first."""
    left = pick.units
    rows = conn.execute(
        "SELECT id, qty FROM reservations WHERE order_line_id = ? AND released_at IS NULL"
        " ORDER BY (location_id = ? AND lot = ?) DESC, id",
        (line_id, pick.location_id, pick.lot),
    ).fetchall()
    now = iso_now()
    for reservation_id, reserved in rows:
        if left <= 0:
            break
        take = min(left, reserved)
        if take == reserved:
            conn.execute(
                "UPDATE reservations SET released_at = ?, released_why = 'picked' WHERE id = ?",
                (now, reservation_id),
            )
        else:
            conn.execute(
                "UPDATE reservations SET qty = qty - ? WHERE id = ?", (take, reservation_id)
            )
        left -= take


def _advance(conn: sqlite3.Connection, order_id: int, status: str, pick: LinePick) -> None:
    """allocated/backordered → picking on the first pick; → picked when every line is."""
    open_lines = conn.execute(
        "SELECT count(*) FROM order_lines WHERE order_id = ? AND picked < qty", (order_id,)
    ).fetchone()[0]
    target = "picked" if open_lines == 0 else "picking"
    if status == "backordered" and target == "picking":
        return  # still waiting for stock: allocation moves it on when stock arrives
    path = [target] if target in ORDER_TRANSITIONS[status] else []
    if not path and target == "picked" and "picking" in ORDER_TRANSITIONS[status]:
        path = ["picking", "picked"]
    for after in path:
        conn.execute(
            "UPDATE orders SET status = ?, server_seq = ? WHERE id = ?",
            (after, pick.seq, order_id),
        )
        conn.execute(
            "INSERT INTO order_events(order_id, from_status, to_status, by_user, at, note)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (order_id, status, after, pick.user, iso_now(), f"pick {pick.ref}"),
        )
        status = after
