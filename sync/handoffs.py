"""Pick lists assigned away from a picker: the removal their devices pull.

When a supervisor gives a list to someone else, the old picker's devices
still hold its tasks.  Each such change is kept in ``pick_list_handoffs``;
pull sends the old picker every task of the list again, with
``list_status: "reassigned"`` and ``reassigned_to`` (who has it now), so the
device drops the list and says so.  Movements the old picker already
recorded for it still post as usual.  A list given back to the picker later
comes again as ``open`` through the normal task feed.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .clock import iso_now

__all__ = ["record_handoff", "reassigned_rows", "HANDOFF_SEQS"]

# The rows a device of user :u would get in (cursor, upto]: for _SEQS in pull.py.
HANDOFF_SEQS = "SELECT server_seq FROM pick_list_handoffs WHERE server_seq > :c AND from_user = :u"

_REASSIGNED = """
SELECT 'PT-' || t.id AS id, 'pick' AS kind, p.number AS list, 'reassigned' AS list_status,
       o.number || '/' || ol.line_no AS order_line, i.sku AS item, l.code AS location,
       t.lot, t.qty, tote.code AS tote, t.walk, h.seq AS server_seq, t.status,
       tote.code AS "to", p.assigned_to AS reassigned_to
FROM (SELECT pick_list_id, max(server_seq) AS seq FROM pick_list_handoffs
      WHERE from_user = :user AND server_seq > :cursor AND server_seq <= :upto
      GROUP BY pick_list_id) h
JOIN pick_lists p ON p.id = h.pick_list_id
JOIN pick_tasks t ON t.pick_list_id = p.id
JOIN order_lines ol ON ol.id = t.order_line_id
JOIN orders o ON o.id = ol.order_id
JOIN items i ON i.id = t.item_id
JOIN locations l ON l.id = t.location_id
JOIN locations tote ON tote.id = t.tote_id
WHERE p.assigned_to IS NOT :user
ORDER BY p.number, t.walk
"""


def record_handoff(
    conn: sqlite3.Connection, list_id: int, from_user: str | None, to_user: str, seq: int
) -> None:
    """Keep that ``from_user`` lost the list (inside the assigning transaction)."""
    if from_user and from_user != to_user:
        conn.execute(
            "INSERT INTO pick_list_handoffs(pick_list_id, from_user, to_user, at, server_seq)"
            " VALUES (?, ?, ?, ?, ?)",
            (list_id, from_user, to_user, iso_now(), seq),
        )


def reassigned_rows(
    conn: sqlite3.Connection, user: str | None, cursor: int, upto: int
) -> list[dict[str, Any]]:
    """The tasks of lists taken from ``user`` in (cursor, upto]; none on a reset
    (a device pulling from scratch holds no old tasks to drop)."""
    if cursor == 0 or not user:
        return []
    rows = conn.execute(_REASSIGNED, {"user": user, "cursor": cursor, "upto": upto})
    return [dict(row) for row in rows]
