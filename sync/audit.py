"""The audit trail: who did what, when, from which device — searchable.

Three sources, read together:

- ``movements``: every movement any device (or the server) sent;
- ``resolutions``: every supervisor decision;
- ``audit_log`` (append-only): logins and failed logins, users added, role
  changes, setting changes, devices enrolled and revoked.

``search`` filters them by item, location, user, device, event and time and
answers one list, newest first; ``CSV_COLUMNS`` are its columns.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from .catalog import catalog_for
from .clock import iso_now, parse_iso_ms
from .errors import InvalidRequest

__all__ = ["record", "AuditFilter", "search", "CSV_COLUMNS", "EVENTS"]

EVENTS = (
    "movement",
    "resolution",
    "login",
    "login_failed",
    "user_added",
    "role_changed",
    "setting_changed",
    "device_enrolled",
    "device_revoked",
)
CSV_COLUMNS = ("at", "event", "user", "device", "item", "location", "what", "detail")


def record(
    conn: sqlite3.Connection,
    event: str,
    *,
    username: str | None = None,
    actor: str | None = None,
    device_id: str | None = None,
    address: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit event (a single statement: atomic on its own)."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    conn.execute(
        "INSERT INTO audit_log(at, event, username, actor, device_id, address, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            iso_now(),
            event,
            username,
            actor,
            device_id,
            address,
            json.dumps(detail) if detail else None,
        ),
    )


@dataclass(frozen=True)
class AuditFilter:
    item: str | None = None
    location: str | None = None
    user: str | None = None
    device: str | None = None
    event: str | None = None
    since: str | None = None
    until: str | None = None
    limit: int = 500

    @classmethod
    def from_query(cls, query: dict[str, str], *, max_limit: int = 100_000) -> AuditFilter:
        clean = {k: v.strip() for k, v in query.items() if isinstance(v, str) and v.strip()}
        errors = []
        if clean.get("event") and clean["event"] not in EVENTS:
            errors.append(f"event: one of {', '.join(EVENTS)}")
        for name in ("since", "until"):
            if name in clean:
                text = clean[name]
                if len(text) == 10:
                    text += "T00:00:00Z" if name == "since" else "T23:59:59.999Z"
                try:
                    parse_iso_ms(text)
                except ValueError:
                    errors.append(f"{name}: a date (2026-11-23) or time (2026-11-23T09:00:00Z)")
                clean[name] = text
        try:
            limit = int(clean.get("limit", "500"))
            if not 1 <= limit <= max_limit:
                raise ValueError
        except ValueError:
            errors.append(f"limit: a whole number from 1 to {max_limit}")
            limit = 500
        if errors:
            raise InvalidRequest("; ".join(errors), errors)
        return cls(
            clean.get("item"),
            clean.get("location"),
            clean.get("user"),
            clean.get("device"),
            clean.get("event"),
            clean.get("since"),
            clean.get("until"),
            limit,
        )


# One row shape for all three sources:
# at, event, user, device_id, device, item, location, what, detail
_MOVEMENTS = """
SELECT m.received_at AS at, 'movement' AS event, m.user AS user, m.device_id, d.name AS device,
       i.sku AS item, coalesce(t.code, f.code) AS location,
       m.kind || ' ' || coalesce(m.units, '') || ' → ' || m.state AS what,
       coalesce(f.code, '') || ' → ' || coalesce(t.code, '') AS detail,
       f.code AS from_code, t.code AS to_code
FROM movements m JOIN devices d ON d.id = m.device_id
LEFT JOIN items i ON i.id = m.item_id
LEFT JOIN locations f ON f.id = m.from_id LEFT JOIN locations t ON t.id = m.to_id
"""
_RESOLUTIONS = """
SELECT r.at, 'resolution', r.by_user, NULL, NULL, i.sku, l.code,
       r.action || ' c-' || r.conflict_id || ' (' || c.code || ')', r.reason, l.code, l.code
FROM resolutions r JOIN conflicts c ON c.id = r.conflict_id
LEFT JOIN items i ON i.id = c.item_id LEFT JOIN locations l ON l.id = c.location_id
"""
_LOG = """
SELECT a.at, a.event, coalesce(a.actor, a.username), a.device_id, d.name, NULL, NULL,
       a.event || coalesce(' ' || a.username, ''), a.detail, NULL, NULL
FROM audit_log a LEFT JOIN devices d ON d.id = a.device_id
"""


def search(conn: sqlite3.Connection, where: AuditFilter) -> list[dict[str, Any]]:
    """Audit events matching every filter given, newest first."""
    clauses: list[str] = []
    params: list[object] = []
    item, location = catalog_for(conn).named(where.item, where.location)
    for condition, value in (
        ("event = ?1", where.event),
        ("item = ?1", item),
        ("(location = ?1 OR from_code = ?1 OR to_code = ?1)", location),
        ("user = ?1", where.user),
        ("(device_id = ?1 OR device = ?1)", where.device),
        ("at >= ?1", where.since),
        ("at <= ?1", where.until),
    ):
        if value:
            clauses.append(condition.replace("?1", f"?{len(params) + 1}"))
            params.append(value)
    sql = (
        f"SELECT * FROM ({_MOVEMENTS} UNION ALL {_RESOLUTIONS} UNION ALL {_LOG})"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
        + f" ORDER BY at DESC LIMIT ?{len(params) + 1}"
    )
    return [
        {
            k: r[k]
            for k in (
                "at",
                "event",
                "user",
                "device_id",
                "device",
                "item",
                "location",
                "what",
                "detail",
            )
        }
        for r in conn.execute(sql, (*params, where.limit))
    ]
