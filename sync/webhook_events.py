"""Outbound webhooks, the bookkeeping: endpoints, events read by cursor, deliveries.

Events come from three append-only sources, each read by a cursor kept in
``meta``: ``order_events`` (``order.status``, id ``oe-<row id>``),
``payment_events`` (``order.payment``, id ``pe-<row id>``) and the ledger
(``ledger.movement``, id = the movement's id; all entries of one posting are
one event).  ``enqueue`` turns new rows into one delivery per subscribed
endpoint and moves the cursors in the same transaction, and
``UNIQUE(endpoint_id, event_id)`` keeps it exactly-once whatever happens.
Whoever writes those tables feeds the webhooks without knowing about them.

Sending is the server's job (``server.webhook_delivery``); what it reports
back is recorded here, one ``webhook_attempts`` row per try.
"""

from __future__ import annotations

import contextlib
import ipaddress
import random
import re
import secrets
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec

from .clock import iso_now, now_ms
from .db import write_transaction
from .errors import InvalidRequest, NotFound
from .ids import parse_number
from .kinds import WEBHOOK_EVENT_TYPES
from .meta import get_meta, set_meta

__all__ = ["Due", "Backoff", "add_endpoint", "list_endpoints", "enqueue", "due", "record_attempt",
           "deliveries", "has_news", "disable_endpoint"]  # fmt: skip

_encode = msgspec.json.Encoder().encode
BATCH = 500
_LABEL = re.compile(r"[A-Za-z0-9_-]+")  # underscores too: internal names often have them


@dataclass(frozen=True, slots=True)
class Due:
    delivery_id: int
    url: str
    secret: str
    event_id: str
    event_type: str
    payload: bytes
    attempts: int


@dataclass(frozen=True, slots=True)
class Backoff:
    max_attempts: int
    base_ms: int
    max_ms: int

    def delay_ms(self, attempt: int, rng: random.Random | None = None) -> int:
        """After try ``attempt`` (1, 2, …): base × 2^(attempt-1), capped, times 0.5–1 (jitter)."""
        ceiling = min(self.max_ms, self.base_ms * 2 ** (attempt - 1))
        return int(ceiling * (rng or random).uniform(0.5, 1.0))


def add_endpoint(
    conn: sqlite3.Connection, url: object, events: object, *, by_user: str
) -> dict[str, Any]:
    """Register an endpoint; the answer carries its secret, which is shown only here."""
    problems = []
    url_problem = _url_problem(url)
    if url_problem is not None:
        problems.append(f"url: {url_problem}")
    chosen = list(WEBHOOK_EVENT_TYPES) if events is None else events
    if (
        not isinstance(chosen, list)
        or not chosen
        or any(e not in WEBHOOK_EVENT_TYPES for e in chosen)
    ):
        problems.append(f"events: a list of some of {', '.join(WEBHOOK_EVENT_TYPES)}")
    if problems:
        raise InvalidRequest(f"the endpoint is not valid: {problems[0]}", problems)
    assert isinstance(url, str) and isinstance(chosen, list)
    secret = "whsec_" + secrets.token_urlsafe(32)
    with write_transaction(conn):
        cur = conn.execute(
            "INSERT INTO webhook_endpoints(url, secret, events, created_at, created_by)"
            " VALUES (?, ?, ?, ?, ?)",
            (url, secret, ",".join(sorted(set(chosen))), iso_now(), by_user),
        )
        _start_cursors(conn)
    return {"id": f"WH-{cur.lastrowid}", "url": url, "events": sorted(set(chosen)),
            "secret": secret}  # fmt: skip


def _url_problem(url: object) -> str | None:
    """Why the sender could never reach ``url``, or None.

    Checked here, once, because a host the sender cannot even encode (a
    label over 63 characters fails IDNA) would otherwise fail every try.
    """
    address = "an http:// or https:// address"
    if not isinstance(url, str):
        return address
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [IPv6] literal
        return address
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return address
    try:
        port = parts.port
    except ValueError:  # beyond 65535, or not a number
        port = 0
    if port == 0:
        return "the port is a number from 1 to 65535"
    return _host_problem(parts.hostname)


def _host_problem(host: str) -> str | None:
    """DNS limits on a host name, counted in its ASCII (IDNA) form: 253 and 63 per label."""
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host)
        return None
    labels = host.removesuffix(".").split(".")  # a trailing dot is a fully qualified name
    if any(not label for label in labels):
        return "the host name has an empty part"
    try:
        ascii_labels = [label if label.isascii() else _punycode(label) for label in labels]
    except UnicodeError:
        return "the host name is not a valid internationalised name"
    if any(not _LABEL.fullmatch(label) for label in ascii_labels):
        return "the host name has characters other than letters, digits, - and _"
    if any(len(label) > 63 for label in ascii_labels):
        return "each part of the host name between dots is at most 63 characters"
    if sum(len(label) for label in ascii_labels) + len(ascii_labels) - 1 > 253:
        return "the host name is at most 253 characters"
    return None


def _punycode(label: str) -> str:
    """``bücher`` → ``xn--bcher-kva``: the form whose length DNS limits."""
    return label.encode("idna").decode("ascii")  # UnicodeError for labels it cannot encode


def _start_cursors(conn: sqlite3.Connection) -> None:
    """The first endpoint starts the feeds at now: events from before are not sent."""
    for name, table in (("order_events", "order_events"), ("payment_events", "payment_events"),
                        ("ledger", "ledger")):  # fmt: skip
        key = f"webhook_cursor_{name}"
        if get_meta(conn, key) is None:
            top = conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            set_meta(conn, key, str(top))


def disable_endpoint(conn: sqlite3.Connection, endpoint: str) -> dict[str, Any]:
    """Stop sending to an endpoint: no new deliveries, and what is pending stays unsent."""
    number = parse_number(endpoint.removeprefix("WH-"))
    with write_transaction(conn):
        cur = conn.execute(
            "UPDATE webhook_endpoints SET active = 0 WHERE id = ?",
            (-1 if number is None else number,),
        )
        if cur.rowcount == 0:
            raise NotFound(f"no webhook endpoint {endpoint}")
    return next(e for e in list_endpoints(conn) if e["id"] == f"WH-{number}")


def list_endpoints(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT e.id, e.url, e.events, e.active, e.created_at,"
        " (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
        "   AND d.state = 'delivered'),"
        " (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
        "   AND d.state = 'pending'),"
        " (SELECT count(*) FROM webhook_deliveries d WHERE d.endpoint_id = e.id"
        "   AND d.state = 'failed')"
        " FROM webhook_endpoints e ORDER BY e.id"
    ).fetchall()
    return [
        {"id": f"WH-{r[0]}", "url": r[1], "events": r[2].split(","), "active": bool(r[3]),
         "created_at": r[4], "delivered": r[5], "pending": r[6], "failed": r[7]}
        for r in rows
    ]  # fmt: skip


# -- reading the feeds --------------------------------------------------------


def _order_events(conn: sqlite3.Connection, after: int) -> tuple[int, list[tuple[str, Any]]]:
    rows = conn.execute(
        "SELECT e.id, o.number, o.channel, o.external_ref, e.from_status, e.to_status,"
        " e.by_user, e.at, e.note FROM order_events e JOIN orders o ON o.id = e.order_id"
        " WHERE e.id > ? ORDER BY e.id LIMIT ?",
        (after, BATCH),
    ).fetchall()
    events = [
        (f"oe-{r[0]}", {"id": f"oe-{r[0]}", "type": "order.status", "order": r[1],
                        "channel": r[2], "external_ref": r[3], "from": r[4], "to": r[5],
                        "by": r[6], "at": r[7], "note": r[8]})
        for r in rows
    ]  # fmt: skip
    return (rows[-1][0] if rows else after), events


def _payment_events(conn: sqlite3.Connection, after: int) -> tuple[int, list[tuple[str, Any]]]:
    rows = conn.execute(
        "SELECT p.id, o.number, o.channel, o.external_ref, p.before, p.status, p.applied,"
        " p.event_id, p.received_at FROM payment_events p JOIN orders o ON o.id = p.order_id"
        " WHERE p.id > ? ORDER BY p.id LIMIT ?",
        (after, BATCH),
    ).fetchall()
    events = [
        (f"pe-{r[0]}", {"id": f"pe-{r[0]}", "type": "order.payment", "order": r[1],
                        "channel": r[2], "external_ref": r[3], "from": r[4],
                        "to": r[5] if r[6] else r[4], "applied": bool(r[6]),
                        "provider_event": r[7], "at": r[8]})
        for r in rows
    ]  # fmt: skip
    return (rows[-1][0] if rows else after), events


def _ledger_events(conn: sqlite3.Connection, after: int) -> tuple[int, list[tuple[str, Any]]]:
    """Ledger rows after the cursor, one event per posting (never split across batches)."""
    last = conn.execute(
        "SELECT max(server_seq) FROM (SELECT server_seq FROM ledger WHERE id > ?"
        " ORDER BY id LIMIT ?)",
        (after, BATCH),
    ).fetchone()[0]
    if last is None:
        return after, []
    rows = conn.execute(
        "SELECT le.id, le.server_seq, le.entry, l.code, le.qty, le.lot, m.id, m.kind, i.sku,"
        " m.user, m.units, m.outcome, m.received_at FROM ledger le"
        " JOIN locations l ON l.id = le.location_id JOIN items i ON i.id = le.item_id"
        " LEFT JOIN movements m ON m.server_seq = le.server_seq"
        " WHERE le.id > ? AND le.server_seq <= ? ORDER BY le.id",
        (after, last),
    ).fetchall()
    by_seq: dict[int, dict[str, Any]] = {}
    for r in rows:
        event = by_seq.get(r[1])
        if event is None:
            movement_id = r[6] or f"seq-{r[1]}"
            event = by_seq[r[1]] = {
                "id": movement_id, "type": "ledger.movement", "movement": movement_id,
                "kind": r[7], "item": r[8], "lot": r[5] or None, "units": r[10],
                "user": r[9], "outcome": r[11], "server_seq": r[1], "at": r[12],
                "entries": [],
            }  # fmt: skip
        event["entries"].append({"entry": r[2], "location": r[3], "qty": r[4]})
    return rows[-1][0], [(e["id"], e) for e in by_seq.values()]


_FEEDS = (
    ("order_events", "order.status", _order_events),
    ("payment_events", "order.payment", _payment_events),
    ("ledger", "ledger.movement", _ledger_events),
)


def enqueue(conn: sqlite3.Connection) -> int:
    """Turn new feed rows into deliveries (one write transaction); returns how many."""
    made = 0
    with write_transaction(conn):
        endpoints = [
            (r[0], set(r[1].split(",")))
            for r in conn.execute("SELECT id, events FROM webhook_endpoints WHERE active = 1")
        ]
        if not endpoints:
            return 0
        now, created = now_ms(), iso_now()
        for name, kind, read in _FEEDS:
            key = f"webhook_cursor_{name}"
            cursor = int(get_meta(conn, key) or 0)
            new_cursor, events = read(conn, cursor)
            if new_cursor == cursor:
                continue
            wanted = [e for e in endpoints if kind in e[1]]
            rows = [
                (endpoint_id, event_id, kind, _encode(payload), now, created)
                for event_id, payload in events
                for endpoint_id, _ in wanted
            ]
            cur = conn.executemany(
                "INSERT OR IGNORE INTO webhook_deliveries(endpoint_id, event_id, event_type,"
                " payload, next_attempt_ms, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            made += max(cur.rowcount, 0)
            set_meta(conn, key, str(new_cursor))
    return made


def has_news(conn: sqlite3.Connection) -> bool:
    """Whether a feed has rows past its cursor or a delivery is due (a cheap read)."""
    for name, _, _ in _FEEDS:
        cursor = get_meta(conn, f"webhook_cursor_{name}")
        if cursor is None:
            return False  # no endpoint was ever registered
        if conn.execute(f"SELECT 1 FROM {name} WHERE id > ? LIMIT 1", (int(cursor),)).fetchone():
            return True
    return False


def due(conn: sqlite3.Connection, limit: int = 50) -> list[Due]:
    """Pending deliveries whose next try is due, oldest first."""
    rows = conn.execute(
        "SELECT d.id, e.url, e.secret, d.event_id, d.event_type, d.payload, d.attempts"
        " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
        " WHERE d.state = 'pending' AND e.active = 1 AND d.next_attempt_ms <= ?"
        " ORDER BY d.next_attempt_ms, d.id"
        " LIMIT ?",
        (now_ms(), limit),
    ).fetchall()
    return [Due(r[0], r[1], r[2], r[3], r[4], bytes(r[5]), r[6]) for r in rows]


def record_attempt(
    conn: sqlite3.Connection,
    delivery_id: int,
    *,
    status_code: int | None,
    error: str | None,
    elapsed_ms: int,
    backoff: Backoff,
) -> str:
    """Record one try; returns the delivery's state after it."""
    with write_transaction(conn):
        row = conn.execute(
            "SELECT attempts, state FROM webhook_deliveries WHERE id = ?", (delivery_id,)
        ).fetchone()
        if row is None or row[1] != "pending":
            return "gone" if row is None else str(row[1])
        attempt = row[0] + 1
        now = iso_now()
        conn.execute(
            "INSERT INTO webhook_attempts(delivery_id, attempt, at, status_code, error, ms)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (delivery_id, attempt, now, status_code, error, elapsed_ms),
        )
        ok = status_code is not None and 200 <= status_code < 300
        if ok:
            state, next_ms, done = "delivered", 0, now
        elif attempt >= backoff.max_attempts:
            state, next_ms, done = "failed", 0, now
        else:
            state, next_ms, done = "pending", now_ms() + backoff.delay_ms(attempt), None
        conn.execute(
            "UPDATE webhook_deliveries SET attempts = ?, state = ?, next_attempt_ms = ?,"
            " done_at = ? WHERE id = ?",
            (attempt, state, next_ms, done, delivery_id),
        )
        return state


def deliveries(conn: sqlite3.Connection, endpoint: str) -> list[dict[str, Any]]:
    """An endpoint's deliveries, newest first, each with its attempts (NotFound
    for an endpoint never added, as disabling it answers)."""
    number = parse_number(endpoint.removeprefix("WH-"))
    if (
        number is None
        or conn.execute("SELECT 1 FROM webhook_endpoints WHERE id = ?", (number,)).fetchone()
        is None
    ):
        raise NotFound(f"no webhook endpoint {endpoint}")
    rows = conn.execute(
        "SELECT id, event_id, event_type, state, attempts, created_at, done_at"
        " FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY id DESC LIMIT 200",
        (number,),
    ).fetchall()
    out = []
    for r in rows:
        tries = [
            {"attempt": a[0], "at": a[1], "status_code": a[2], "error": a[3], "ms": a[4]}
            for a in conn.execute(
                "SELECT attempt, at, status_code, error, ms FROM webhook_attempts"
                " WHERE delivery_id = ? ORDER BY attempt",
                (r[0],),
            )
        ]
        out.append({"event_id": r[1], "type": r[2], "state": r[3], "attempts": r[4],
                    "created_at": r[5], "done_at": r[6], "tries": tries})  # fmt: skip
    return out
