"""The figures on the supervisor's dashboard, each a small query.

- open conflicts by code, and by age (under 1 h, 1–4 h, 4–24 h, older);
- count accuracy over the last ``days``: counts whose bin held exactly what
  the book said, of all counts received (held ones count as inexact);
- picks per hour per picker over the last ``hours``: picks divided by the
  clock hours in which that picker picked at all;
- orders by status;
- stock value: on hand × unit cost at real locations, by location kind, and
  how many units have no cost to value them by;
- movements rejected over the last ``rejected_days`` (they post nothing and
  open no conflict: recorded work that never counted), the newest first.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .clock import ms_to_iso, now_ms, parse_iso_ms

__all__ = ["dashboard", "AGE_BUCKETS"]

AGE_BUCKETS = (("under 1 h", 3600), ("1–4 h", 4 * 3600), ("4–24 h", 24 * 3600), ("older", None))


def _conflicts(conn: sqlite3.Connection, now: int) -> dict[str, Any]:
    by_code = [
        {"label": r[0], "value": r[1]}
        for r in conn.execute(
            "SELECT code, count(*) FROM conflicts WHERE state = 'open'"
            " GROUP BY code ORDER BY count(*) DESC, code"
        )
    ]
    ages = dict.fromkeys((label for label, _ in AGE_BUCKETS), 0)
    for (created_at,) in conn.execute("SELECT created_at FROM conflicts WHERE state = 'open'"):
        age = (now - parse_iso_ms(created_at)) / 1000
        label = next(lbl for lbl, limit in AGE_BUCKETS if limit is None or age < limit)
        ages[label] += 1
    return {
        "open": sum(r["value"] for r in by_code),
        "by_code": by_code,
        "by_age": [{"label": k, "value": v} for k, v in ages.items()],
    }


def _count_accuracy(conn: sqlite3.Connection, since: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT count(*),"
        " sum(EXISTS (SELECT 1 FROM ledger l WHERE l.movement_seq = m.server_seq"
        "   AND l.entry = 'count' AND l.location_id = m.to_id AND l.qty = 0"
        "   AND l.server_seq = m.server_seq)),"
        " sum(m.outcome = 'held')"
        " FROM movements m WHERE m.kind = 'count' AND m.received_at >= ?",
        (since,),
    ).fetchone()
    total, exact, held = row[0], row[1] or 0, row[2] or 0
    return {
        "counts": total,
        "exact": exact,
        "held": held,
        "accuracy": round(exact / total, 3) if total else None,
    }


def _picks_per_hour(conn: sqlite3.Connection, since: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT m.user, count(*), sum(m.units), count(DISTINCT substr(m.received_at, 1, 13))"
        " FROM movements m WHERE m.kind = 'pick' AND m.state IN ('applied', 'flagged', 'edited')"
        " AND m.received_at >= ? AND m.user IS NOT NULL GROUP BY m.user",
        (since,),
    ).fetchall()
    out = [
        {
            "label": r[0],
            "picks": r[1],
            "units": r[2],
            "hours": r[3],
            "value": round(r[1] / max(r[3], 1), 1),
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["value"], r["label"]))


def _orders(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [
        {"label": r[0], "value": r[1]}
        for r in conn.execute("SELECT status, count(*) FROM orders GROUP BY status ORDER BY 2 DESC")
    ]


def _stock_value(conn: sqlite3.Connection) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT l.kind, sum(s.on_hand * coalesce(i.unit_cost, 0)),"
        " sum(CASE WHEN i.unit_cost IS NULL THEN s.on_hand ELSE 0 END)"
        " FROM stock s JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id"
        " WHERE l.kind != 'virtual' AND s.on_hand > 0 GROUP BY l.kind ORDER BY 2 DESC"
    ).fetchall()
    return {
        "total": round(sum(r[1] or 0 for r in rows), 2),
        "by_kind": [{"label": r[0], "value": round(r[1] or 0, 2)} for r in rows],
        "units_without_cost": sum(r[2] or 0 for r in rows),
    }


def _rejected(conn: sqlite3.Connection, since: str, shown: int) -> dict[str, Any]:
    """Rejected movements received since ``since``: how many, and the newest."""
    where = (
        " FROM movements m INDEXED BY movements_rejected"
        " WHERE m.outcome = 'rejected' AND m.received_at >= :since"
    )
    count = conn.execute("SELECT count(*)" + where, {"since": since}).fetchone()[0]
    rows = conn.execute(
        "SELECT m.id, m.received_at, (SELECT name FROM devices WHERE id = m.device_id),"
        " m.user, m.kind, coalesce((SELECT sku FROM items WHERE id = m.item_id),"
        " json_extract(m.payload, '$.item')), m.code, m.message"
        + where
        + " ORDER BY m.server_seq DESC LIMIT :shown",
        {"since": since, "shown": shown},
    ).fetchall()
    keys = ("movement", "received_at", "device", "user", "kind", "item", "code", "message")
    return {"count": count, "recent": [dict(zip(keys, r, strict=True)) for r in rows]}


def dashboard(
    conn: sqlite3.Connection,
    *,
    days: int = 30,
    hours: int = 8,
    rejected_days: int = 7,
    rejected_shown: int = 20,
) -> dict[str, Any]:
    now = now_ms()
    return {
        "at": ms_to_iso(now),
        "conflicts": _conflicts(conn, now),
        "count_accuracy": {
            "days": days,
            **_count_accuracy(conn, ms_to_iso(now - days * 86_400_000)),
        },
        "picks_per_hour": {
            "hours": hours,
            "pickers": _picks_per_hour(conn, ms_to_iso(now - hours * 3_600_000)),
        },
        "orders": _orders(conn),
        "stock_value": _stock_value(conn),
        "rejected": {
            "days": rejected_days,
            **_rejected(conn, ms_to_iso(now - rejected_days * 86_400_000), rejected_shown),
        },
    }
