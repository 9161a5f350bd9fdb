"""The staff's order list: filtered by status and channel, most urgent or newest first."""

from __future__ import annotations

import sqlite3
from typing import Any

from .errors import InvalidRequest
from .kinds import ORDER_STATUSES

__all__ = ["list_orders", "SORTS"]

# Most urgent: priority 1 first, then the earliest requested date, then the oldest.
SORTS = {
    "urgent": "o.priority, o.requested_date IS NULL, o.requested_date, o.id",
    "newest": "o.id DESC",
}
OPEN = ("new", "allocated", "backordered", "picking", "picked", "packed")


def list_orders(
    conn: sqlite3.Connection,
    *,
    status: str = "",
    channel: str = "",
    sort: str = "urgent",
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Up to ``limit`` orders; ``status`` may be one status, ``open`` or empty (all)."""
    where, params = [], []
    if status == "open":
        where.append(f"o.status IN ({','.join('?' * len(OPEN))})")
        params += list(OPEN)
    elif status:
        if status not in ORDER_STATUSES:
            raise InvalidRequest(f"status: one of open, {', '.join(ORDER_STATUSES)}")
        where.append("o.status = ?")
        params.append(status)
    if channel:
        where.append("o.channel = ?")
        params.append(channel)
    if sort not in SORTS:
        raise InvalidRequest(f"sort: one of {', '.join(SORTS)}")
    rows = conn.execute(
        "SELECT o.number, o.channel, o.external_ref, o.customer, o.status, o.payment_status,"
        " o.priority, o.requested_date, o.created_at,"
        " (SELECT count(*) FROM order_lines ol WHERE ol.order_id = o.id) AS lines"
        " FROM orders o"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {SORTS[sort]} LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [dict(r) for r in rows]
