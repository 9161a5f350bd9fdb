"""Shipping: closed cartons handed to a carrier, and their delivery.

A shipment is one or more closed cartons of a packed order with a carrier,
a service and a tracking number.  Shipping posts ``ship`` movements (from
the packing station to CUSTOMER, each naming its order line) in the same
transaction as the shipment; when no packed carton is left, the order is
``shipped``.  Delivery is set by the carrier's signed webhook
(``carrier.py``) or by hand; when every shipment of an order is delivered,
the order is ``delivered``.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from typing import Any

from .catalog import catalog_for
from .clock import iso_now
from .db import write_transaction
from .errors import Conflict, InvalidRequest, NotFound
from .local import post_local_within
from .meta import next_server_seq
from .order_progress import ship_progress
from .orders import set_status
from .packing import lot_field, posted_or_refuse
from .rules import Rules
from .tracking import active_link, make_link

__all__ = ["ship_cartons", "record_delivery", "deliver_by_hand", "get_shipment"]

_TRACKING = re.compile(r"[A-Za-z0-9-]{4,40}")


def _text(value: object, name: str, limit: int = 40) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise InvalidRequest(f"{name}: 1 to {limit} characters")
    return value.strip()


def ship_cartons(
    conn: sqlite3.Connection,
    order_number: str,
    *,
    carrier: object,
    service: object,
    tracking_number: object,
    cartons: list[str] | None = None,
    by_user: str,
    rules: Rules | None = None,
) -> dict[str, Any]:
    """Ship closed cartons of a packed order (all of them unless named).

    The answer carries ``tracking_token`` when a customer tracking link was
    made now (it is shown once: only its hash is kept).
    """
    carrier_name, service_name = _text(carrier, "carrier"), _text(service, "service")
    if not isinstance(tracking_number, str) or not _TRACKING.fullmatch(tracking_number):
        raise InvalidRequest("tracking_number: 4 to 40 letters, digits or '-'")
    with write_transaction(conn):
        order = conn.execute(
            "SELECT id, status FROM orders WHERE number = ?", (order_number,)
        ).fetchone()
        if order is None:
            raise NotFound(f"no order {order_number}")
        if order["status"] != "packed":
            raise Conflict(_not_shippable(order_number, order["status"]))
        if conn.execute(
            "SELECT 1 FROM shipments WHERE tracking_number = ?", (tracking_number,)
        ).fetchone():
            raise Conflict(f"tracking number {tracking_number} is already on another shipment")
        rows = _cartons_to_ship(conn, order["id"], order_number, cartons)
        seq = next_server_seq(conn)
        now = iso_now()
        cur = conn.execute(
            "INSERT INTO shipments(number, order_id, carrier, service, tracking_number,"
            " shipped_by, shipped_at, server_seq) VALUES ('', ?, ?, ?, ?, ?, ?, ?)",
            (order["id"], carrier_name, service_name, tracking_number, by_user, now, seq),
        )
        shipment_id = int(cur.lastrowid or 0)
        number = f"SH-{shipment_id}"
        conn.execute("UPDATE shipments SET number = ? WHERE id = ?", (number, shipment_id))
        conn.execute(
            "INSERT INTO shipment_events(shipment_id, kind, at, source, by_user)"
            " VALUES (?, 'shipped', ?, 'staff', ?)",
            (shipment_id, now, by_user),
        )
        results = post_local_within(conn, _ship_moves(conn, rows, order_number), user=by_user,
                              rules=rules)  # fmt: skip
        posted_or_refuse(results)
        conn.executemany(
            "UPDATE cartons SET status = 'shipped', shipment_id = ?, server_seq = ? WHERE id = ?",
            [(shipment_id, seq, r["id"]) for r in rows],
        )
        ship_progress(conn, order["id"], by_user=by_user)
        token = None if active_link(conn, order["id"]) else make_link(conn, order["id"], by_user)
        shipment = get_shipment(conn, number)
        shipment["tracking_token"] = token
        return shipment


def _cartons_to_ship(
    conn: sqlite3.Connection, order_id: int, order_number: str, named: list[str] | None
) -> list[sqlite3.Row]:
    rows = conn.execute(
        "SELECT c.id, c.number, c.status, c.station_id FROM cartons c WHERE c.order_id = ?"
        " ORDER BY c.id",
        (order_id,),
    ).fetchall()
    if named is None:
        chosen = [r for r in rows if r["status"] == "closed"]
    else:
        by_number = {r["number"]: r for r in rows}
        unknown = [n for n in named if n not in by_number]
        if unknown:
            raise InvalidRequest(f"cartons: {', '.join(unknown)} are not cartons of {order_number}")
        chosen = [by_number[n] for n in dict.fromkeys(named)]
        done = [r["number"] for r in chosen if r["status"] != "closed"]
        if done:
            raise Conflict(f"cartons: {', '.join(done)} are not closed and waiting to ship")
    if not chosen:
        raise Conflict(f"{order_number} has no closed carton waiting to ship")
    return chosen


def _ship_moves(
    conn: sqlite3.Connection, cartons: list[sqlite3.Row], order_number: str
) -> list[dict[str, Any]]:
    """One ship movement per line, lot and station, from what the cartons hold."""
    catalog = catalog_for(conn)
    totals: dict[tuple[int, int, int, str], int] = defaultdict(int)
    marks = ",".join("?" * len(cartons))
    for line_no, item_id, station, lot, qty in conn.execute(
        "SELECT ol.line_no, cl.item_id, c.station_id, cl.lot, cl.qty FROM carton_lines cl"
        " JOIN cartons c ON c.id = cl.carton_id JOIN order_lines ol ON ol.id = cl.order_line_id"
        f" WHERE cl.carton_id IN ({marks}) ORDER BY ol.line_no, cl.id",
        [c["id"] for c in cartons],
    ):
        totals[(line_no, item_id, station, lot)] += qty
    moves = []
    for (line_no, item_id, station, lot), qty in totals.items():
        item = catalog.items_by_id[item_id]
        moves.append(
            {"kind": "ship", "item": item.sku, **lot_field(item.tracking, lot),
             "from": catalog.locations_by_id[station].code, "qty": qty,
             "ref": {"order_line": f"{order_number}/{line_no}"}}
        )  # fmt: skip
    return moves


def record_delivery(
    conn: sqlite3.Connection,
    shipment_id: int,
    *,
    kind: str,
    at: str,
    source: str,
    by_user: str | None,
    detail: str | None = None,
    event_id: str | None = None,
    digest: str | None = None,
) -> None:
    """Append a shipment event (inside the caller's write transaction); a
    ``delivered`` event marks the shipment, and the order once all are."""
    conn.execute(
        "INSERT INTO shipment_events(shipment_id, kind, at, source, by_user, detail, event_id,"
        " digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (shipment_id, kind, at, source, by_user, detail, event_id, digest),
    )
    if kind != "delivered":
        return
    row = conn.execute(
        "SELECT s.status, o.number, o.id, o.status FROM shipments s"
        " JOIN orders o ON o.id = s.order_id WHERE s.id = ?",
        (shipment_id,),
    ).fetchone()
    if row[0] == "delivered":
        return
    conn.execute(
        "UPDATE shipments SET status = 'delivered', delivered_at = ?, server_seq = ? WHERE id = ?",
        (at, next_server_seq(conn), shipment_id),
    )
    waiting = conn.execute(
        "SELECT count(*) FROM shipments WHERE order_id = ? AND status != 'delivered'", (row[2],)
    ).fetchone()[0]
    if waiting == 0 and row[3] == "shipped":
        set_status(conn, row[1], "delivered", by_user=by_user or source)


def deliver_by_hand(
    conn: sqlite3.Connection, number: str, *, by_user: str, note: str | None = None
) -> dict[str, Any]:
    """A supervisor marks a shipment delivered (the carrier never said so)."""
    with write_transaction(conn):
        row = conn.execute("SELECT id, status FROM shipments WHERE number = ?", (number,))
        found = row.fetchone()
        if found is None:
            raise NotFound(f"no shipment {number}")
        if found[1] == "delivered":
            raise Conflict(f"{number} is already delivered")
        record_delivery(conn, found[0], kind="delivered", at=iso_now(), source="staff",
                        by_user=by_user, detail=note)  # fmt: skip
        return get_shipment(conn, number)


def get_shipment(conn: sqlite3.Connection, number: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT s.*, o.number AS order_number FROM shipments s JOIN orders o ON o.id = s.order_id"
        " WHERE s.number = ?",
        (number,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no shipment {number}")
    cartons = [
        {"number": c[0], "weight_kg": c[1] / 1000 if c[1] else None}
        for c in conn.execute(
            "SELECT number, weight_g FROM cartons WHERE shipment_id = ? ORDER BY id", (row["id"],)
        )
    ]
    events = [
        {"kind": e[0], "at": e[1], "source": e[2], "by": e[3], "detail": e[4]}
        for e in conn.execute(
            "SELECT kind, at, source, by_user, detail FROM shipment_events WHERE shipment_id = ?"
            " ORDER BY id",
            (row["id"],),
        )
    ]
    return {
        "number": row["number"],
        "order": row["order_number"],
        "carrier": row["carrier"],
        "service": row["service"],
        "tracking_number": row["tracking_number"],
        "status": row["status"],
        "shipped_by": row["shipped_by"],
        "shipped_at": row["shipped_at"],
        "delivered_at": row["delivered_at"],
        "cartons": cartons,
        "weight_kg": sum(c["weight_kg"] or 0 for c in cartons),
        "events": events,
    }


def _not_shippable(order_number: str, status: str) -> str:
    """Why an order that is not packed cannot ship, and what to do instead."""
    if status == "cancelled":
        return (f"{order_number} is cancelled: it does not ship; its units go back to"
                " their bins (put-back tasks)")  # fmt: skip
    if status in ("shipped", "delivered"):
        return f"{order_number} is {status} already"
    return f"{order_number} is {status}: ship it once everything picked is packed"
