"""Put-back: the picked units of a cancelled order go back to their bins.

Cancelling an order that has been (partly) picked leaves its units in a tote
or in staging, or — packed — at a packing station.  ``make_putbacks`` turns
what was picked for each line (the ``line_picks`` rows: which bin, into which
tote, how many) and where those units wait now (``line_staged``,
``line_packed``) into put-back tasks, one per place, bin and lot, for the
picker who picked them.  They reach the picker's devices through pull
(``changes.tasks``, kind ``putback``) like pick tasks.  The put-back itself
is a ``putaway`` movement from the task's ``location`` to its ``to`` with
``ref.task`` = the task id; when it posts, ``complete_putback`` counts it
against the task.

A pick that arrives after the cancel (recorded offline) gets its own put-back
task through ``putback_late_pick``; a pack that arrives after it moves the
put-backs of the units it took to the packing station (``follow_late_pack``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .clock import iso_now
from .ids import parse_number
from .pick_list_done import finish_lists

__all__ = ["make_putbacks", "putback_late_pick", "follow_late_pack", "complete_putback",
           "cancel_open_tasks", "PUTBACK_TASKS_FOR_USER"]  # fmt: skip

# Shaped like the pick tasks of ``waves.TASKS_FOR_USER`` (one UNION ALL).
PUTBACK_TASKS_FOR_USER = """
SELECT 'PB-' || b.id AS id, 'putback' AS kind, NULL AS list, NULL AS list_status,
       o.number || '/' || ol.line_no AS order_line, i.sku AS item, src.code AS location,
       b.lot, b.qty, src.code AS tote, coalesce(dst.pick_seq, 0) AS walk, b.server_seq,
       b.status, dst.code AS "to"
FROM putback_tasks b
JOIN order_lines ol ON ol.id = b.order_line_id
JOIN orders o ON o.id = ol.order_id
JOIN items i ON i.id = b.item_id
JOIN locations src ON src.id = b.from_id
JOIN locations dst ON dst.id = b.to_id
WHERE b.assigned_to = :user AND b.server_seq > :cursor AND b.server_seq <= :upto
"""


def _assignee(conn: sqlite3.Connection, line_id: int, picker: str) -> str:
    """The picker of the line's open or last pick list, else whoever picked."""
    row = conn.execute(
        "SELECT p.assigned_to FROM pick_tasks t JOIN pick_lists p ON p.id = t.pick_list_id"
        " WHERE t.order_line_id = ? AND p.assigned_to IS NOT NULL ORDER BY t.id DESC LIMIT 1",
        (line_id,),
    ).fetchone()
    return str(row[0]) if row is not None else picker


def make_putbacks(conn: sqlite3.Connection, order_id: int, seq: int) -> int:
    """Put-back tasks for everything picked for the order; returns how many tasks.

    The units come back from where they wait now: the tote the pick left
    them in (``line_staged``), or the packing station a pack took them to
    (``line_packed``); they go back to the bin they were picked from, lot by
    lot.  Inside the caller's write transaction; ``seq`` is the change's
    server_seq.
    """
    picks = conn.execute(
        "SELECT lp.order_line_id, ol.item_id, lp.to_id, lp.from_id, lp.lot, sum(lp.units),"
        " max(lp.user) FROM line_picks lp JOIN order_lines ol ON ol.id = lp.order_line_id"
        " WHERE ol.order_id = ? GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 4",
        (order_id,),
    ).fetchall()
    waiting = _waiting(conn, order_id)
    tasks: dict[tuple[int, int, int, int, str], list[Any]] = {}
    leftover = []
    for line_id, item_id, tote_id, bin_id, lot, units, picker in picks:
        if units <= 0:
            continue
        staged = waiting.get((line_id, lot, "staged"), {})
        take = min(units, staged.get(tote_id, 0))
        if take:
            staged[tote_id] -= take
            _add(tasks, (line_id, item_id, tote_id, bin_id, lot), take, picker)
        if units > take:
            leftover.append((line_id, item_id, bin_id, lot, units - take, picker))
    for line_id, item_id, bin_id, lot, units, picker in leftover:
        # packed (a station), or staged in another tote than the pick said
        for kind in ("packed", "staged"):
            for place, qty in waiting.get((line_id, lot, kind), {}).items():
                take = min(units, qty)
                if take > 0:
                    waiting[(line_id, lot, kind)][place] -= take
                    _add(tasks, (line_id, item_id, place, bin_id, lot), take, picker)
                    units -= take
    now = iso_now()
    for (line_id, item_id, from_id, bin_id, lot), (units, picker) in tasks.items():
        conn.execute(
            "INSERT INTO putback_tasks(order_line_id, item_id, from_id, to_id, lot, qty,"
            " assigned_to, created_at, server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (line_id, item_id, from_id, bin_id, lot, units, _assignee(conn, line_id, picker),
             now, seq),
        )  # fmt: skip
    return len(tasks)


def _waiting(conn: sqlite3.Connection, order_id: int) -> dict[tuple[int, str, str], dict[int, int]]:
    """{(line id, lot, 'staged' or 'packed'): {location id: units}} of the order."""
    found: dict[tuple[int, str, str], dict[int, int]] = {}
    for line_id, lot, kind, location_id, qty in conn.execute(
        "SELECT s.order_line_id, s.lot, 'staged', s.location_id, s.qty FROM line_staged s"
        " JOIN order_lines ol ON ol.id = s.order_line_id WHERE ol.order_id = :o AND s.qty > 0"
        " UNION ALL SELECT p.order_line_id, p.lot, 'packed', p.location_id, p.qty"
        " FROM line_packed p JOIN order_lines ol ON ol.id = p.order_line_id"
        " WHERE ol.order_id = :o AND p.qty > 0 ORDER BY 1, 2, 3, 4",
        {"o": order_id},
    ):
        found.setdefault((line_id, lot, kind), {})[location_id] = qty
    return found


def _add(
    tasks: dict[tuple[int, int, int, int, str], list[Any]],
    key: tuple[int, int, int, int, str],
    units: int,
    picker: str,
) -> None:
    if key in tasks:
        tasks[key][0] += units
    else:
        tasks[key] = [units, picker]


def putback_late_pick(
    conn: sqlite3.Connection,
    line_id: int,
    item_id: int,
    *,
    tote_id: int,
    bin_id: int,
    lot: str,
    units: int,
    user: str,
    seq: int,
) -> None:
    """A pick posted for an order already cancelled: put those units back too."""
    conn.execute(
        "INSERT INTO putback_tasks(order_line_id, item_id, from_id, to_id, lot, qty,"
        " assigned_to, created_at, server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (line_id, item_id, tote_id, bin_id, lot, units, _assignee(conn, line_id, user),
         iso_now(), seq),
    )  # fmt: skip


def follow_late_pack(
    conn: sqlite3.Connection,
    line_id: int,
    *,
    from_id: int,
    to_id: int,
    lot: str,
    units: int,
    seq: int,
) -> None:
    """A pack posted for an order already cancelled (recorded offline) moved
    units the cancel's put-backs expect at ``from_id`` to the station
    ``to_id``: those put-backs start at the station now, splitting one whose
    units only partly moved.  ``seq`` is the pack's server_seq."""
    left = units
    for task_id, qty, bin_id, item_id, assignee in conn.execute(
        "SELECT id, qty, to_id, item_id, assigned_to FROM putback_tasks WHERE order_line_id = ?"
        " AND from_id = ? AND lot = ? AND status = 'open' ORDER BY id",
        (line_id, from_id, lot),
    ).fetchall():
        if left <= 0:
            break
        take = min(qty, left)
        left -= take
        if take == qty:
            conn.execute(
                "UPDATE putback_tasks SET from_id = ?, server_seq = ? WHERE id = ?",
                (to_id, seq, task_id),
            )
            continue
        conn.execute(
            "UPDATE putback_tasks SET qty = qty - ?, server_seq = ? WHERE id = ?",
            (take, seq, task_id),
        )
        conn.execute(
            "INSERT INTO putback_tasks(order_line_id, item_id, from_id, to_id, lot, qty,"
            " assigned_to, created_at, server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (line_id, item_id, to_id, bin_id, lot, take, assignee, iso_now(), seq),
        )


def complete_putback(conn: sqlite3.Connection, task: str, units: int, seq: int) -> str | None:
    """Count a posted movement naming ``PB-n`` against that task.

    Returns a message for a supervisor when the task does not exist or is
    no longer open, else None.  ``seq`` is the movement's server_seq.
    """
    number = parse_number(task.removeprefix("PB-"))
    row = conn.execute(
        "SELECT id, qty, status FROM putback_tasks WHERE id = ?",
        (-1 if number is None else number,),
    ).fetchone()
    if row is None:
        return f"{task}: no such put-back task"
    if row[2] != "open":
        return f"{task}: the put-back task is already {row[2]}"
    left = row[1] - units
    if left > 0:
        conn.execute(
            "UPDATE putback_tasks SET qty = ?, server_seq = ? WHERE id = ?", (left, seq, row[0])
        )
    else:
        conn.execute(
            "UPDATE putback_tasks SET status = 'done', done_seq = ?, server_seq = ? WHERE id = ?",
            (seq, seq, row[0]),
        )
    return None


def cancel_open_tasks(conn: sqlite3.Connection, order_id: int, seq: int) -> int:
    """Cancel the order's pick tasks not yet picked, so pull tells the pickers;
    a list left with no open task is done."""
    lists = [
        r[0]
        for r in conn.execute(
            "UPDATE pick_tasks SET status = 'cancelled', server_seq = ? WHERE status = 'open'"
            " AND order_line_id IN (SELECT id FROM order_lines WHERE order_id = ?)"
            " RETURNING pick_list_id",
            (seq, order_id),
        ).fetchall()
    ]
    finish_lists(conn, lists, seq)
    return len(lists)
