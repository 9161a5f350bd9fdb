"""When packing and shipping move an order on: picked → packed → shipped.

One rule for every path.  The packing station (``packing.close_carton``),
the shipping desk (``shipping.ship_cartons``) and the merge, after a pack or
ship movement a device pushed (``fulfilment_hooks``), all call these, so an
order moves the same way whoever did the work, and its event names who.

- packed: the order is ``picked``, every picked unit of each line is packed,
  and no carton with something in it is still open;
- shipped: the order is ``packed``, every packed unit is shipped, and no
  carton with something in it is left unshipped.

A station's scan posts its pack movement while the carton is open, and a
shipment posts its ship movements before its cartons are marked shipped, so
the merge's call changes nothing there and the station's own call, once the
carton is closed or shipped, moves the order.  A device's packs fill a
carton that is closed from the start, and its ships mark that carton shipped
once every packed unit has shipped (``device_cartons``), so for a device the
counts decide.
"""

from __future__ import annotations

import sqlite3

from .orders import set_status

__all__ = ["pack_progress", "ship_progress"]


def pack_progress(
    conn: sqlite3.Connection, order_id: int, *, by_user: str, seq: int | None = None
) -> bool:
    """Make the order ``packed`` when it is; returns whether it moved."""
    row = conn.execute(
        "SELECT o.number, o.status,"
        " (SELECT count(*) FROM order_lines WHERE order_id = o.id AND packed < min(picked, qty)),"
        " (SELECT count(*) FROM cartons c WHERE c.order_id = o.id AND c.status = 'open'"
        "  AND EXISTS (SELECT 1 FROM carton_lines l WHERE l.carton_id = c.id))"
        " FROM orders o WHERE o.id = ?",
        (order_id,),
    ).fetchone()
    if row is None or row[1] != "picked" or row[2] or row[3]:
        return False
    set_status(conn, row[0], "packed", by_user=by_user, seq=seq)
    return True


def ship_progress(
    conn: sqlite3.Connection, order_id: int, *, by_user: str, seq: int | None = None
) -> bool:
    """Make the order ``shipped`` when it is; returns whether it moved."""
    row = conn.execute(
        "SELECT o.number, o.status,"
        " (SELECT count(*) FROM order_lines WHERE order_id = o.id AND shipped < packed),"
        " (SELECT count(*) FROM cartons c WHERE c.order_id = o.id AND c.status != 'shipped'"
        "  AND c.unpacked_at IS NULL"
        "  AND EXISTS (SELECT 1 FROM carton_lines l WHERE l.carton_id = c.id))"
        " FROM orders o WHERE o.id = ?",
        (order_id,),
    ).fetchone()
    if row is None or row[1] != "packed" or row[2] or row[3]:
        return False
    set_status(conn, row[0], "shipped", by_user=by_user, seq=seq)
    return True
