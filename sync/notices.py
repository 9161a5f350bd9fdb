"""What web pushes say, and to whom: subscriptions and the notices due.

The sender (``server.webpush_sender``) calls ``collect_notices`` once per
interval; it answers what happened since the last call and moves its
markers on, in one write transaction:

- **new conflicts** — one notice for all of them (coalesced: however many
  arrived in the interval), to every supervisor and admin;
- **devices gone silent** with work pending — once per silence (a device is
  noticed again only after it pushes and goes silent again);
- **pick lists assigned** — to the picker they were given to.

Subscriptions are what a browser's ``PushSubscription.toJSON()`` gives:
``{"endpoint", "keys": {"p256dh", "auth"}}``, kept per user.
"""

from __future__ import annotations

import base64
import sqlite3
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .clock import iso_now
from .errors import InvalidRequest
from .fleet import silent_devices
from .kinds import MANAGER_ROLES
from .meta import get_meta, set_meta

__all__ = [
    "Notice",
    "save_subscription",
    "delete_subscription",
    "subscriptions_for",
    "user_subscriptions",
    "collect_notices",
]


@dataclass(frozen=True)
class Notice:
    usernames: tuple[str, ...]
    payload: dict[str, Any]


def _b64(value: object, name: str, size: int) -> str:
    if not isinstance(value, str):
        raise InvalidRequest(f"keys.{name}: a base64url text")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        raise InvalidRequest(f"keys.{name}: not base64url") from None
    if len(raw) != size:
        raise InvalidRequest(f"keys.{name}: {size} bytes expected, not {len(raw)}")
    return value


def save_subscription(conn: sqlite3.Connection, username: str, body: dict[str, Any]) -> int:
    """Keep (or renew) a browser's subscription for ``username``; returns its id."""
    endpoint = body.get("endpoint")
    parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
    if parts is None or parts.scheme not in ("https", "http") or not parts.netloc:
        raise InvalidRequest("endpoint: the push service URL of the subscription")
    if len(str(endpoint)) > 2000:
        raise InvalidRequest("endpoint: at most 2000 characters")
    keys = body.get("keys")
    if not isinstance(keys, dict):
        raise InvalidRequest('keys: {"p256dh": …, "auth": …} as the browser gives them')
    p256dh = _b64(keys.get("p256dh"), "p256dh", 65)
    auth = _b64(keys.get("auth"), "auth", 16)
    row = conn.execute(
        "INSERT INTO push_subscriptions(endpoint, p256dh, auth, username, created_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(endpoint) DO UPDATE SET p256dh = excluded.p256dh,"
        " auth = excluded.auth, username = excluded.username RETURNING id",
        (endpoint, p256dh, auth, username, iso_now()),
    ).fetchone()
    return int(row[0])


def delete_subscription(
    conn: sqlite3.Connection, endpoint: str, username: str | None = None
) -> bool:
    """Forget a subscription (only ``username``'s, when given); whether one was."""
    cur = conn.execute(
        "DELETE FROM push_subscriptions WHERE endpoint = ? AND (?2 IS NULL OR username = ?2)",
        (endpoint, username),
    )
    return cur.rowcount > 0


def subscriptions_for(conn: sqlite3.Connection, usernames: tuple[str, ...]) -> list[dict[str, Any]]:
    if not usernames:
        return []
    marks = ",".join("?" * len(usernames))
    return [
        {"id": r[0], "endpoint": r[1], "keys": {"p256dh": r[2], "auth": r[3]}, "username": r[4]}
        for r in conn.execute(
            "SELECT id, endpoint, p256dh, auth, username FROM push_subscriptions"
            f" WHERE username IN ({marks}) ORDER BY id",
            usernames,
        )
    ]


def user_subscriptions(conn: sqlite3.Connection, username: str) -> list[dict[str, Any]]:
    """``username``'s subscriptions, without their keys (what a browser shows as "on")."""
    return [
        {"endpoint": r[0], "created_at": r[1], "last_sent_at": r[2]}
        for r in conn.execute(
            "SELECT endpoint, created_at, last_sent_at FROM push_subscriptions"
            " WHERE username = ? ORDER BY id",
            (username,),
        )
    ]


def _managers(conn: sqlite3.Connection) -> tuple[str, ...]:
    return tuple(
        r[0]
        for r in conn.execute(
            "SELECT username FROM users WHERE active = 1 AND role IN (?, ?)", MANAGER_ROLES
        )
    )


def _marker(conn: sqlite3.Connection, name: str) -> int:
    return int(get_meta(conn, name) or 0)


def _new_conflicts(conn: sqlite3.Connection) -> Notice | None:
    seen = _marker(conn, "push_conflicts_seen")
    rows = conn.execute(
        "SELECT id, code FROM conflicts WHERE id > ? AND state = 'open' ORDER BY id", (seen,)
    ).fetchall()
    newest = conn.execute("SELECT coalesce(max(id), 0) FROM conflicts").fetchone()[0]
    set_meta(conn, "push_conflicts_seen", str(max(seen, newest)))
    if not rows:
        return None
    codes = Counter(r[1] for r in rows)
    summary = ", ".join(f"{n} {code}" for code, n in codes.most_common())
    count = len(rows)
    return Notice(
        _managers(conn),
        {
            "kind": "conflicts",
            "title": f"{count} new conflict{'s' if count != 1 else ''}",
            "body": summary,
            "count": count,
            "codes": dict(codes),
            "url": "/console/conflicts",
        },
    )


def _silent(conn: sqlite3.Connection, silent_hours: int) -> Notice | None:
    fresh = []
    for device in silent_devices(conn, silent_hours=silent_hours):
        noticed = conn.execute(
            "SELECT last_push_at FROM silent_device_notices WHERE device_id = ?", (device["id"],)
        ).fetchone()
        if noticed is not None and noticed[0] == device["last_push_at"]:
            continue  # already told about this silence
        conn.execute(
            "INSERT INTO silent_device_notices(device_id, last_push_at, noticed_at)"
            " VALUES (?, ?, ?) ON CONFLICT(device_id) DO UPDATE SET"
            " last_push_at = excluded.last_push_at, noticed_at = excluded.noticed_at",
            (device["id"], device["last_push_at"], iso_now()),
        )
        fresh.append(device)
    if not fresh:
        return None
    names = ", ".join(
        f"{d['name']} ({d['user'] or 'no user'}, {d['pending']} pending)" for d in fresh
    )
    return Notice(
        _managers(conn),
        {
            "kind": "silent_devices",
            "title": f"{len(fresh)} device{'s' if len(fresh) != 1 else ''} silent"
            f" over {silent_hours} h with work pending",
            "body": names,
            "devices": [d["id"] for d in fresh],
            "url": "/console/devices",
        },
    )


def _assigned(conn: sqlite3.Connection) -> list[Notice]:
    seen = _marker(conn, "push_pick_lists_seen")
    rows = conn.execute(
        "SELECT p.number, p.assigned_to, p.server_seq, p.zone,"
        " (SELECT count(*) FROM pick_tasks t WHERE t.pick_list_id = p.id)"
        " FROM pick_lists p WHERE p.server_seq > ? AND p.assigned_to IS NOT NULL"
        " AND p.status = 'open' ORDER BY p.server_seq",
        (seen,),
    ).fetchall()
    newest = conn.execute("SELECT coalesce(max(server_seq), 0) FROM pick_lists").fetchone()[0]
    set_meta(conn, "push_pick_lists_seen", str(max(seen, newest)))
    return [
        Notice(
            (r[1],),
            {
                "kind": "pick_list",
                "title": f"Pick list {r[0]} is yours",
                "body": f"{r[4]} picks" + (f" in zone {r[3]}" if r[3] else ""),
                "list": r[0],
                "url": "/app#pick",
            },
        )
        for r in rows
    ]


def collect_notices(conn: sqlite3.Connection, *, silent_hours: int) -> list[Notice]:
    """The notices due since the last call.  Inside a write transaction."""
    notices = [_new_conflicts(conn), _silent(conn, silent_hours)]
    return [n for n in notices if n is not None] + _assigned(conn)
