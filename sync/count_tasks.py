"""Count tasks: a supervisor asks for a bin (optionally one item) to be counted.

Devices get them in pull's ``changes.tasks`` with ``kind: "count"`` beside the
pick tasks (``task_kind`` says ``count`` or ``recount``).  A task is done when
a count movement naming it in ``ref.count_task`` counts its bin (and its item
and lot, when it names them) and is recorded and not rejected (posted, or held
for a supervisor: the counter has done the counting either way); the change
reaches the devices on their next pull.  A count naming an open task but
counting another bin is a count of the bin it names; the task stays open and
the merge flags the count, saying which bin the task asks for.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .batch_refs import parse_count_task
from .catalog import catalog_for
from .clock import iso_now
from .db import write_transaction
from .errors import InvalidRequest
from .meta import next_server_seq

__all__ = ["COUNT_TASKS_FOR_USER", "create_count_task", "complete_count_task", "count_task_rows"]

_SELECT = """
SELECT 'CT-' || t.id AS id, 'count' AS kind, t.kind AS task_kind, l.code AS location,
       i.sku AS item, t.lot, t.blind, t.status, t.assigned_to, t.reason,
       CASE WHEN t.resolution_id IS NULL THEN NULL ELSE 'c-' || r.conflict_id END AS conflict,
       t.server_seq
FROM count_tasks t
LEFT JOIN resolutions r ON r.id = t.resolution_id
JOIN locations l ON l.id = t.location_id
LEFT JOIN items i ON i.id = t.item_id
WHERE {where}
ORDER BY t.id
"""
# The count tasks a device sees: its user's and everyone's.
COUNT_TASKS_FOR_USER = _SELECT.format(
    where="(t.assigned_to IS NULL OR t.assigned_to = :user)"
    " AND t.server_seq > :cursor AND t.server_seq <= :upto"
)
_ONE = _SELECT.format(where="t.id = :id")


def _shape(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    out["blind"] = bool(out["blind"])
    return out


def count_task_rows(
    conn: sqlite3.Connection, user: str | None, cursor: int, upto: int
) -> list[dict[str, Any]]:
    return [
        _shape(r)
        for r in conn.execute(COUNT_TASKS_FOR_USER, {"user": user, "cursor": cursor, "upto": upto})
    ]


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise InvalidRequest(f"{name}: a code of 1 to 200 characters")
    return value.strip()


def create_count_task(
    conn: sqlite3.Connection, body: dict[str, Any], by_user: str
) -> dict[str, Any]:
    """Make a count task from a request body: location, item, lot, blind, kind, assigned_to."""
    unknown = set(body) - {"location", "item", "lot", "blind", "kind", "assigned_to"}
    if unknown:
        raise InvalidRequest(f"unknown fields: {', '.join(sorted(unknown))}")
    location = _text(body, "location")
    if location is None:
        raise InvalidRequest("location: the bin to count (code or barcode)")
    kind = body.get("kind", "count")
    if kind not in ("count", "recount"):
        raise InvalidRequest("kind: count or recount")
    blind = body.get("blind", True)
    if not isinstance(blind, bool):
        raise InvalidRequest("blind: true or false")
    item_code, lot = _text(body, "item"), _text(body, "lot")
    assigned_to = _text(body, "assigned_to")
    with write_transaction(conn):
        catalog = catalog_for(conn)
        loc = catalog.location(location)
        if loc is None or loc.virtual:
            raise InvalidRequest(f"location: no location {location}")
        item_id = None
        if item_code is not None:
            found = catalog.item(item_code)
            if found is None:
                raise InvalidRequest(f"item: no item has SKU or barcode {item_code}")
            item_id = found[0].id
            if lot is not None and found[0].tracking == "none":
                # its stock has no lots: a count of that lot could never be made
                raise InvalidRequest(f"lot: {found[0].sku} is not tracked by lot or serial")
        elif lot is not None:
            raise InvalidRequest("lot: give the item too")
        if assigned_to is not None and (
            conn.execute(
                "SELECT 1 FROM users WHERE username = ? AND active = 1", (assigned_to,)
            ).fetchone()
            is None
        ):
            raise InvalidRequest(f"assigned_to: no active user {assigned_to}")
        cur = conn.execute(
            "INSERT INTO count_tasks(kind, location_id, item_id, lot, blind, assigned_to,"
            " created_at, created_by, server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, loc.id, item_id, lot, int(blind), assigned_to, iso_now(), by_user,
             next_server_seq(conn)),
        )  # fmt: skip
        return _shape(conn.execute(_ONE, {"id": cur.lastrowid}).fetchone())


def complete_count_task(
    conn: sqlite3.Connection,
    ref: str,
    movement_seq: int,
    seq: int | None = None,
    *,
    counted: tuple[int | None, int | None, str],
) -> str | None:
    """Mark a task done by the count movement ``movement_seq`` (inside the push's
    write transaction; the task takes ``seq``, by default the movement's
    ``server_seq``).

    ``counted`` is what the count counted: (bin id, item id, lot), ids None
    when they did not resolve.  Only a count of the task's bin (and of its
    item and lot, when the task names them) does the task: the reference
    alone is a device's claim, and a count of another place must not close
    someone else's task.  Such a count is a count like any other; when it
    counted another bin than the open task's, the answer is a message for a
    supervisor naming both bins (else None).

    A recount a resolution asked for names the movement it was about: that
    movement's ``status_seq`` moves too, so the device that sent it pulls
    its result again, with the recount's outcome in its resolutions.
    """
    task_id = parse_count_task(ref)
    bin_id, item_id, lot = counted
    if task_id is None or bin_id is None:
        return None
    seq = movement_seq if seq is None else seq
    done = conn.execute(
        "UPDATE count_tasks SET status = 'done', done_at = ?, done_movement_seq = ?,"
        " server_seq = ? WHERE id = ? AND status = 'open' AND location_id = ?"
        " AND (item_id IS NULL OR item_id IS ?) AND (lot IS NULL OR lot = ?)"
        " RETURNING movement_seq",
        (iso_now(), movement_seq, seq, task_id, bin_id, item_id, lot),
    ).fetchone()
    if done is None:
        return _other_bin(conn, task_id, bin_id)
    if done[0] is not None:
        conn.execute("UPDATE movements SET status_seq = ? WHERE server_seq = ?", (seq, done[0]))
    return None


def _other_bin(conn: sqlite3.Connection, task_id: int, bin_id: int) -> str | None:
    """What a supervisor must hear when a count naming the open task ``task_id``
    counted the bin ``bin_id``, another than the task's: None when it is the
    task's bin (another item or lot there), or the task is not open."""
    row = conn.execute(
        "SELECT l.code, (SELECT code FROM locations WHERE id = :bin) FROM count_tasks t"
        " JOIN locations l ON l.id = t.location_id"
        " WHERE t.id = :task AND t.status = 'open' AND t.location_id != :bin",
        {"task": task_id, "bin": bin_id},
    ).fetchone()
    if row is None:
        return None
    task_bin, counted_bin = row
    return f"CT-{task_id} asks for a count of {task_bin}, not {counted_bin}: the task stays open"
