"""What came of a recount a resolution asked for: the task, and its count.

A recount is done when a count naming it (``ref.count_task``) arrives
(``count_tasks.complete_count_task``); its outcome is that count's: posted
(``applied``), or held again for a supervisor, with its conflicts.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .ids import parse_number

__all__ = ["recount_outcome"]


def recount_outcome(conn: sqlite3.Connection, task: str) -> dict[str, Any] | None:
    """The recount task ``CT-n`` and, once done, the count that did it."""
    number = parse_number(task.removeprefix("CT-"))
    if number is None:
        return None
    row = conn.execute(
        "SELECT t.status, t.blind, t.assigned_to, t.done_at, m.id, m.user, m.units, m.state,"
        " m.message, m.server_seq FROM count_tasks t"
        " LEFT JOIN movements m ON m.server_seq = t.done_movement_seq WHERE t.id = ?",
        (number,),
    ).fetchone()
    if row is None:
        return None
    out: dict[str, Any] = {"task": task, "status": row[0], "blind": bool(row[1]),
                           "assigned_to": row[2], "done_at": row[3], "count": None}  # fmt: skip
    if row[4] is not None:
        out["count"] = {
            "movement": row[4],
            "by": row[5],
            "counted": row[6],
            "outcome": row[7],
            "message": row[8],
            "conflicts": [
                {"id": f"c-{c[0]}", "code": c[1], "state": c[2]}
                for c in conn.execute(
                    "SELECT id, code, state FROM conflicts WHERE movement_seq = ? ORDER BY id",
                    (row[9],),
                )
            ],
        }
    return out
