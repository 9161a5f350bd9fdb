"""The device fleet: who carries each device, when it last synced, what it holds.

Devices report their outbox (``pending``, ``oldest_pending_at``) and app
version with each push; the server keeps their clock offset and the epoch
they last pulled in.  A device that has not pushed for ``silent_hours`` while
it still has work pending *stands out*: its movements are not reaching the
server.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .clock import now_ms, parse_iso_ms
from .meta import epoch, server_device_id

__all__ = ["list_devices", "silent_devices"]

_SELECT = """
SELECT d.id, d.name, d.created_at, d.revoked_at, d.last_seq, d.clock_offset_ms,
       d.last_push_at, d.last_pull_at, d.app_version, d.pending, d.oldest_pending_at,
       d.epoch,
       coalesce(d.username, (SELECT m.user FROM movements m
                             WHERE m.device_id = d.id ORDER BY m.server_seq DESC LIMIT 1))
         AS user
FROM devices d WHERE d.id != ?
"""


def _age_s(text: str | None, now: int) -> int | None:
    return None if not text else max(0, (now - parse_iso_ms(text)) // 1000)


def list_devices(
    conn: sqlite3.Connection, *, silent_hours: int, include_revoked: bool = True
) -> list[dict[str, Any]]:
    """Every device, those that stand out first, then the longest silent."""
    now, current = now_ms(), epoch(conn)
    rows = []
    for r in conn.execute(_SELECT, (server_device_id(conn),)):
        if r["revoked_at"] is not None and not include_revoked:
            continue
        last_seen = r["last_push_at"] or r["created_at"]
        silent_s = _age_s(last_seen, now) or 0
        pending = r["pending"] or 0
        rows.append(
            {
                "id": r["id"],
                "name": r["name"],
                "user": r["user"],
                "created_at": r["created_at"],
                "revoked": r["revoked_at"] is not None,
                "revoked_at": r["revoked_at"],
                "last_seq": r["last_seq"],
                "last_push_at": r["last_push_at"],
                "last_pull_at": r["last_pull_at"],
                "silent_seconds": silent_s,
                "pending": pending,
                "oldest_pending_at": r["oldest_pending_at"],
                "oldest_pending_age_seconds": _age_s(r["oldest_pending_at"], now),
                "clock_offset_ms": r["clock_offset_ms"],
                "app_version": r["app_version"],
                "epoch": r["epoch"],
                "epoch_current": r["epoch"] == current if r["epoch"] else None,
                "stands_out": (
                    r["revoked_at"] is None and pending > 0 and silent_s > silent_hours * 3600
                ),
            }
        )
    rows.sort(key=lambda d: (not d["stands_out"], d["revoked"], -d["silent_seconds"]))
    return rows


def silent_devices(conn: sqlite3.Connection, *, silent_hours: int) -> list[dict[str, Any]]:
    return [d for d in list_devices(conn, silent_hours=silent_hours) if d["stands_out"]]
