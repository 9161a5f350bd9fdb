"""The customer's tracking link: an unguessable token, and what it shows.

A token is ``secrets.token_urlsafe(32)`` (256 random bits); only its SHA-256
is stored, so the link is shown once, when it is made (at the first
shipment, or when a supervisor makes a new one, which revokes the old).
What the link shows is for the customer: the order's status timeline and
its shipments with carrier and tracking number — never who did what, notes,
locations, lots or payment.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
from typing import Any

from .clock import iso_now
from .db import write_transaction
from .errors import NotFound

__all__ = ["make_link", "active_link", "new_link", "public_tracking", "CUSTOMER_STATUS"]

# What a customer reads for each status (internal steps are folded together).
CUSTOMER_STATUS = {
    "new": "Order received",
    "allocated": "Order confirmed",
    "backordered": "Waiting for stock",
    "picking": "Being prepared",
    "picked": "Being prepared",
    "packed": "Packed",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}
_EVENT_TEXT = {
    "shipped": "Handed to the carrier",
    "in_transit": "In transit",
    "out_for_delivery": "Out for delivery",
    "delivered": "Delivered",
    "exception": "Delivery problem",
}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active_link(conn: sqlite3.Connection, order_id: int) -> bool:
    return bool(
        conn.execute(
            "SELECT 1 FROM tracking_links WHERE order_id = ? AND revoked_at IS NULL", (order_id,)
        ).fetchone()
    )


def make_link(conn: sqlite3.Connection, order_id: int, by_user: str) -> str:
    """A new token for the order (inside the caller's write transaction); older ones are revoked."""
    now = iso_now()
    conn.execute(
        "UPDATE tracking_links SET revoked_at = ? WHERE order_id = ? AND revoked_at IS NULL",
        (now, order_id),
    )
    token = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO tracking_links(order_id, token_sha256, created_by, created_at)"
        " VALUES (?, ?, ?, ?)",
        (order_id, _hash(token), by_user, now),
    )
    return token


def new_link(conn: sqlite3.Connection, order_number: str, *, by_user: str) -> str:
    """Make a new tracking token for an order, revoking the old one."""
    with write_transaction(conn):
        row = conn.execute("SELECT id FROM orders WHERE number = ?", (order_number,)).fetchone()
        if row is None:
            raise NotFound(f"no order {order_number}")
        return make_link(conn, row[0], by_user)


def public_tracking(conn: sqlite3.Connection, token: str) -> dict[str, Any]:
    """What the tracking link shows; NotFound for an unknown or revoked token."""
    row = conn.execute(
        "SELECT o.id, o.number, o.status, o.created_at FROM tracking_links t"
        " JOIN orders o ON o.id = t.order_id WHERE t.token_sha256 = ? AND t.revoked_at IS NULL",
        (_hash(token),),
    ).fetchone()
    if row is None:
        raise NotFound("this tracking link is not valid (it may have been replaced)")
    timeline: list[dict[str, str]] = []
    for to_status, at in conn.execute(
        "SELECT to_status, at FROM order_events WHERE order_id = ? ORDER BY id", (row[0],)
    ):
        text = CUSTOMER_STATUS.get(to_status, to_status)
        if not timeline or timeline[-1]["status"] != text:
            timeline.append({"status": text, "at": at})
    shipments = []
    for s in conn.execute(
        "SELECT id, carrier, service, tracking_number, shipped_at, delivered_at FROM shipments"
        " WHERE order_id = ? ORDER BY id",
        (row[0],),
    ).fetchall():
        events = [
            {"status": _EVENT_TEXT.get(e[0], e[0]), "at": e[1], "detail": e[2]}
            for e in conn.execute(
                "SELECT kind, at, CASE WHEN source = 'carrier' THEN detail END"
                " FROM shipment_events WHERE shipment_id = ? ORDER BY at, id",
                (s[0],),
            )
        ]
        shipments.append(
            {"carrier": s[1], "service": s[2], "tracking_number": s[3], "shipped_at": s[4],
             "delivered_at": s[5], "events": events}
        )  # fmt: skip
    items = [
        {"name": r[0], "qty": r[1]}
        for r in conn.execute(
            "SELECT i.name, ol.qty FROM order_lines ol JOIN items i ON i.id = ol.item_id"
            " WHERE ol.order_id = ? ORDER BY ol.line_no",
            (row[0],),
        )
    ]
    return {
        "order": row[1],
        "status": CUSTOMER_STATUS.get(row[2], row[2]),
        "timeline": timeline,
        "shipments": shipments,
        "items": items,
    }
