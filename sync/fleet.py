"""The device fleet: who carries each device, when it last synced, what it holds.

Devices report their outbox (``pending``, ``oldest_pending_at``) and app
version with each push; the server keeps their clock offset and the epoch
they last pulled in.  A device that has not pushed for ``silent_hours`` while
it still has work pending *stands out*: its movements are not reaching the
server.

The times come from the database as they were stored: one written before
push checked them, or by hand, may not read as a time at all, and a
device's clock may be far off (reset to 1970, or years ahead).  Such a time
has no age: it is shown as unknown (None), never as a negative or absurd
age, and never stops the listing.  ``pending`` likewise: SQLite keeps what
it is given ("x", 2.5, -3), and a value push would not take as a count is
unknown (None), and does not make the device stand out.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .clock import now_ms, parse_iso_ms
from .meta import epoch, server_device_id
from .movement import MAX_PENDING

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


# A device clock up to a day ahead is believed (the age is 0); further ahead, or
# before 2000 (a clock reset to 1970 or 1980), the time says nothing about age.
_AHEAD_MS = 24 * 3600 * 1000
_EARLIEST_MS = parse_iso_ms("2000-01-01T00:00:00.000Z")


def _ms(text: object) -> int | None:
    """``text`` as milliseconds since 1970, or None if it does not read as a time."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_iso_ms(text)
    except ValueError:
        return None


def _age_s(text: object, now: int) -> int | None:
    """Whole seconds since ``text``; None when it is no time or no plausible one."""
    at = _ms(text)
    if at is None or at < _EARLIEST_MS or at > now + _AHEAD_MS:
        return None
    return max(0, (now - at) // 1000)


def _pending(value: object) -> int | None:
    """The stored outbox size: 0 when never reported, None when it is no count."""
    if value is None:
        return 0
    if type(value) is int and 0 <= value <= MAX_PENDING:
        return value
    return None


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
        pending, oldest = _pending(r["pending"]), r["oldest_pending_at"]
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
                "oldest_pending_at": oldest if _ms(oldest) is not None else None,
                "oldest_pending_age_seconds": _age_s(oldest, now),
                "clock_offset_ms": r["clock_offset_ms"],
                "app_version": r["app_version"],
                "epoch": r["epoch"],
                "epoch_current": r["epoch"] == current if r["epoch"] else None,
                "stands_out": (
                    r["revoked_at"] is None
                    and (pending or 0) > 0
                    and silent_s > silent_hours * 3600
                ),
            }
        )
    rows.sort(key=lambda d: (not d["stands_out"], d["revoked"], -d["silent_seconds"]))
    return rows


def silent_devices(conn: sqlite3.Connection, *, silent_hours: int) -> list[dict[str, Any]]:
    return [d for d in list_devices(conn, silent_hours=silent_hours) if d["stands_out"]]
