"""A short pick of nothing: the picker found none of the item in the bin.

A pick of 0 units cannot be sent (deltas need ``qty > 0``), so the floor app
sends what the picker saw: a ``count`` of 0 at the task's bin that names the
task (``ref.task`` = ``PT-n``, ``ref.order_line``) and gives a reason (``reason``
or ``note``).  The count is a count like any other (placed, posted or held
by the count rules: a supervisor sees the bin's book disagree); in the same
transaction the task ends short with nothing picked, exactly as a short pick
with some units does (``short_pick.py``): the rest of its reservation is
released and allocated again from other bins, or the line is backordered and
the count flagged ``SHORT_PICK``.
"""

from __future__ import annotations

import sqlite3

from .batch_refs import parse_line_ref
from .pick_list_done import finish_lists
from .picking import CLOSED
from .short_pick import short_pick, task_of

__all__ = ["zero_short_pick"]


def zero_short_pick(
    conn: sqlite3.Connection,
    *,
    task: str,
    order_line: str,
    item_id: int,
    bin_id: int,
    lot: str,
    seq: int,
    user: str,
) -> list[tuple[str, str]]:
    """End the open task ``task`` short with 0 more units; returns conflicts."""
    parsed = parse_line_ref(order_line)
    if parsed is None:
        return []
    row = conn.execute(
        "SELECT ol.id, ol.item_id, o.id, o.status FROM order_lines ol"
        " JOIN orders o ON o.id = ol.order_id WHERE o.number = ? AND ol.line_no = ?",
        parsed,
    ).fetchone()
    if row is None or row[1] != item_id or row[3] in CLOSED:
        return []
    line_id, _, order_id, _ = row
    found = task_of(conn, task, line_id)
    if found is None or (found[3], found[7]) != (bin_id, lot):
        return []  # not this task's bin and lot: only a count
    picked = conn.execute(
        "SELECT coalesce(sum(units), 0) FROM line_picks WHERE task_id = ?", (found[0],)
    ).fetchone()[0]
    conn.execute("UPDATE pick_tasks SET status = 'done', server_seq = ? WHERE id = ?",
                 (seq, found[0]))  # fmt: skip
    conflicts = []
    if picked < found[5]:
        conflicts = short_pick(conn, found, ref=order_line, order_id=order_id, item_id=item_id,
                               missing=found[5] - picked, seq=seq, user=user)  # fmt: skip
    finish_lists(conn, [found[1]], seq)  # done unless the short pick added tasks to it
    return conflicts
