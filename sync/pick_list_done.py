"""A pick list is done when none of its tasks is open any more.

Every task of the list done (picked in full), short-closed (a short pick
ends it) or cancelled (its order was cancelled): the list becomes ``done``
with the time.  Its tasks are sent again with the change (their
``server_seq``), so a picker's device learns ``list_status: done`` on its
next pull and takes the list off its work; a done list's totes are free for
the next wave once they are empty.  Runs inside the caller's write
transaction (the merge's, for a pick; the cancel's).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .clock import iso_now

__all__ = ["finish_lists"]


def finish_lists(conn: sqlite3.Connection, list_ids: Iterable[int], seq: int) -> list[str]:
    """Mark done each of ``list_ids`` that is open with no open task; returns their numbers."""
    done = []
    for list_id in sorted(set(list_ids)):
        row = conn.execute(
            "UPDATE pick_lists SET status = 'done', done_at = ?, server_seq = ?"
            " WHERE id = ? AND status = 'open'"
            " AND NOT EXISTS (SELECT 1 FROM pick_tasks WHERE pick_list_id = pick_lists.id"
            "                 AND status = 'open') RETURNING number",
            (iso_now(), seq, list_id),
        ).fetchone()
        if row is not None:
            conn.execute(
                "UPDATE pick_tasks SET server_seq = ? WHERE pick_list_id = ?", (seq, list_id)
            )
            done.append(str(row[0]))
    return done
