"""Cancelling at the packing bench: a packed order's cartons opened back up.

An order can be cancelled until something of it leaves the building.  Its
cartons (open or closed, none shipped) are opened back up: each is marked
``open`` again with who unpacked it and when, so nothing ships in it, and
its history (``carton_lines``, the pack movements) stays as it was.  The
units themselves go back to their bins by put-back tasks (``putback.py``),
from the station where they wait — movements through the ledger like every
other change of stock.
"""

from __future__ import annotations

import sqlite3

from .clock import iso_now
from .errors import Conflict

__all__ = ["refuse_shipped", "unpack_cartons"]


def refuse_shipped(conn: sqlite3.Connection, order_id: int, number: str, status: str) -> None:
    """Refuse to cancel an order of which anything has shipped, with what to do instead."""
    if status in ("shipped", "delivered"):
        raise Conflict(
            f"{number} is {status}: it has left the building and cannot be cancelled;"
            " make an RMA for what comes back"
        )
    shipped = [
        r[0]
        for r in conn.execute(
            "SELECT number FROM shipments WHERE order_id = ? ORDER BY id", (order_id,)
        )
    ]
    if shipped:
        raise Conflict(
            f"{number} has already shipped {', '.join(shipped)}: it cannot be cancelled;"
            " ship the rest or make an RMA for what comes back"
        )


def unpack_cartons(conn: sqlite3.Connection, order_id: int, *, by_user: str, seq: int) -> int:
    """Open the order's cartons back up (inside the caller's write transaction);
    returns how many had something in them."""
    cur = conn.execute(
        "UPDATE cartons SET status = 'open', unpacked_at = ?, unpacked_by = ?, server_seq = ?"
        " WHERE order_id = ? AND status IN ('open', 'closed') AND unpacked_at IS NULL"
        " AND EXISTS (SELECT 1 FROM carton_lines l WHERE l.carton_id = cartons.id)",
        (iso_now(), by_user, seq, order_id),
    )
    return cur.rowcount
