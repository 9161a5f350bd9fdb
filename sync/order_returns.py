"""What the staff pages show of an order's way out and back: its shipments,
its RMAs, and how much of each line may still be authorised for return.

Read-only; the writes are ``rmas.create_rma``, ``rmas.set_refund`` and
``shipping.deliver_by_hand``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .errors import NotFound

__all__ = ["returnable_lines", "order_shipments", "order_rmas", "order_extras"]


def _order_id(conn: sqlite3.Connection, number: str) -> int:
    row = conn.execute("SELECT id FROM orders WHERE number = ?", (number,)).fetchone()
    if row is None:
        raise NotFound(f"no order {number}")
    return int(row[0])


def returnable_lines(conn: sqlite3.Connection, number: str) -> list[dict[str, Any]]:
    """Each line with ``shipped``, ``taken`` (authorised or received on RMAs)
    and ``returnable`` (what another RMA may still authorise)."""
    rows = conn.execute(
        "SELECT ol.line_no, i.sku, i.name, ol.shipped,"
        " coalesce((SELECT sum(max(rl.qty, rl.received)) FROM rma_lines rl"
        "           WHERE rl.order_line_id = ol.id), 0)"
        " FROM order_lines ol JOIN items i ON i.id = ol.item_id WHERE ol.order_id = ?"
        " ORDER BY ol.line_no",
        (_order_id(conn, number),),
    ).fetchall()
    return [
        {"line": f"{number}/{r[0]}", "item": r[1], "name": r[2], "shipped": r[3],
         "taken": r[4], "returnable": max(0, r[3] - r[4])}
        for r in rows
    ]  # fmt: skip


# The latest delivered event of a shipment: who or what said so, and the note
# (the person who marked it by hand: who took it, where).
_DELIVERED = (
    "SELECT {} FROM shipment_events e WHERE e.shipment_id = s.id AND e.kind = 'delivered'"
    " ORDER BY e.id DESC LIMIT 1"
)


def order_shipments(conn: sqlite3.Connection, number: str) -> list[dict[str, Any]]:
    return [
        {"number": r[0], "carrier": r[1], "service": r[2], "tracking_number": r[3],
         "status": r[4], "shipped_at": r[5], "delivered_at": r[6],
         "delivered_by": r[7], "delivered_note": r[8]}
        for r in conn.execute(
            "SELECT s.number, s.carrier, s.service, s.tracking_number, s.status, s.shipped_at,"
            f" s.delivered_at, ({_DELIVERED.format('coalesce(e.by_user, e.source)')}),"
            f" ({_DELIVERED.format('e.detail')})"
            " FROM shipments s WHERE s.order_id = ? ORDER BY s.id",
            (_order_id(conn, number),),
        )
    ]  # fmt: skip


def order_rmas(conn: sqlite3.Connection, number: str) -> list[dict[str, Any]]:
    return [
        {"number": r[0], "reason": r[1], "refund_status": r[2], "authorised": r[3],
         "received": r[4]}
        for r in conn.execute(
            "SELECT r.number, r.reason, r.refund_status, sum(l.qty), sum(min(l.received, l.qty))"
            " FROM rmas r JOIN rma_lines l ON l.rma_id = r.id WHERE r.order_id = ?"
            " GROUP BY r.id ORDER BY r.id",
            (_order_id(conn, number),),
        )
    ]  # fmt: skip


def order_extras(conn: sqlite3.Connection, number: str) -> dict[str, Any]:
    """What the order page shows of shipments and returns."""
    lines = returnable_lines(conn, number)
    return {"shipments": order_shipments(conn, number), "rmas": order_rmas(conn, number),
            "returnable": sum(line["returnable"] for line in lines)}  # fmt: skip
