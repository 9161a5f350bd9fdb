"""Packing: picked units scan-verified into cartons at a packing station.

A carton is opened for one order at a packing location.  Each scan names an
item (SKU or barcode, a case barcode counting its pack) and a quantity; it is
refused — nothing posted — when the item is not on the order or when more
would be packed than was picked for it.  An accepted scan posts ``pack``
movements through the ledger (from where the picks wait to the station) in
the same transaction as the carton line.  Closing a carton records its
weight; when everything picked is packed in closed cartons, the order is
``packed``.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from .carton_number import name_carton
from .catalog import catalog_for
from .clock import iso_now
from .db import write_transaction
from .errors import Conflict, InvalidRequest, NotFound
from .local import post_local_within
from .meta import next_server_seq
from .order_progress import pack_progress
from .rules import Rules

__all__ = ["open_carton", "pack_item", "close_carton", "get_carton", "packing_state",
           "posted_or_refuse", "lot_field", "station_queue"]  # fmt: skip

MAX_WEIGHT_KG = 1000


def _order(conn: sqlite3.Connection, number: str) -> sqlite3.Row:
    row = conn.execute("SELECT id, number, status FROM orders WHERE number = ?", (number,))
    found = row.fetchone()
    if found is None:
        raise NotFound(f"no order {number}")
    return found


def _carton(conn: sqlite3.Connection, number: str) -> sqlite3.Row:
    found = conn.execute(
        "SELECT c.*, o.number AS order_number, o.status AS order_status, l.code AS station"
        " FROM cartons c JOIN orders o ON o.id = c.order_id"
        " JOIN locations l ON l.id = c.station_id WHERE c.number = ?",
        (number,),
    ).fetchone()
    if found is None:
        raise NotFound(f"no carton {number}")
    return found


def open_carton(
    conn: sqlite3.Connection, order_number: str, *, station: str | None, by_user: str
) -> dict[str, Any]:
    """A new carton for an order being picked or picked, at a packing location."""
    with write_transaction(conn):
        order = _order(conn, order_number)
        if order["status"] == "cancelled":
            raise Conflict(
                f"{order_number} is cancelled: do not pack it; its units go back to their bins"
                " (put-back tasks)"
            )
        if order["status"] not in ("picking", "picked"):
            raise Conflict(f"{order_number} is {order['status']}: only picked units can be packed")
        if station:
            loc = conn.execute(
                "SELECT id, kind FROM locations WHERE (code = ? OR barcode = ?) AND active = 1",
                (station, station),
            ).fetchone()
            if loc is None or loc[1] != "packing":
                raise InvalidRequest(f"station: {station} is not a packing location")
        else:
            loc = conn.execute(
                "SELECT id FROM locations WHERE kind = 'packing' AND active = 1"
                " ORDER BY pick_seq, code LIMIT 1"
            ).fetchone()
            if loc is None:
                raise Conflict("no packing location: add one (kind packing)")
        cur = conn.execute(
            "INSERT INTO cartons(number, order_id, station_id, opened_by, opened_at, server_seq)"
            " VALUES ('', ?, ?, ?, ?, ?)",
            (order["id"], loc[0], by_user, iso_now(), next_server_seq(conn)),
        )
        return get_carton(conn, name_carton(conn, int(cur.lastrowid or 0)))


def lot_field(tracking: str, lot: str) -> dict[str, str]:
    """The movement field that carries a stock key's lot ('' = none)."""
    if not lot:
        return {}
    return {"serial": lot} if tracking == "serial" else {"lot": lot}


def posted_or_refuse(results: list[dict[str, Any]]) -> None:
    """Server-side movements must post; anything else undoes the whole change."""
    for result in results:
        if result["outcome"] not in ("applied", "flagged"):
            raise InvalidRequest(f"could not post: {result['message']}")


def pack_item(
    conn: sqlite3.Connection,
    carton_number: str,
    *,
    item: str,
    qty: int,
    lot: str | None = None,
    by_user: str,
    rules: Rules | None = None,
) -> dict[str, Any]:
    """Scan ``qty`` of ``item`` into an open carton, or refuse with the quantities."""
    if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= 100_000:
        raise InvalidRequest("qty: a whole number from 1 to 100,000")
    with write_transaction(conn):
        carton = _carton(conn, carton_number)
        if carton["status"] != "open":
            raise Conflict(f"{carton_number} is {carton['status']}: open a new carton")
        if carton["order_status"] in ("cancelled", "shipped", "delivered"):
            raise Conflict(f"{carton['order_number']} is {carton['order_status']}: nothing more"
                           " can be packed for it")  # fmt: skip
        catalog = catalog_for(conn)
        found = catalog.item(item)
        if found is None:
            raise InvalidRequest(f"item: no item has SKU or barcode {item}")
        ref, pack_qty = found
        units = qty * pack_qty
        order = carton["order_number"]
        lines = conn.execute(
            "SELECT id, line_no, qty, picked, packed FROM order_lines"
            " WHERE order_id = ? AND item_id = ? ORDER BY line_no",
            (carton["order_id"], ref.id),
        ).fetchall()
        if not lines:
            raise Conflict(f"wrong item: {ref.sku} is not on {order}; put it aside")
        ordered = sum(r["qty"] for r in lines)
        picked = sum(r["picked"] for r in lines)
        packed = sum(r["packed"] for r in lines)
        room = sum(max(0, min(r["picked"], r["qty"]) - r["packed"]) for r in lines)
        if units > room:
            raise Conflict(
                f"{ref.sku}: {ordered} ordered, {picked} picked, {packed} already packed for"
                f" {order}; {units} more cannot be packed (at most {room})"
            )
        moves, placed = _from_staging(conn, lines, ref.id, lot, units)
        if placed < units:
            raise Conflict(
                f"{ref.sku}: only {placed} of the {units} picked units for {order} are where"
                " the picks left them" + (f" in lot {lot}" if lot else "")
            )
        now = iso_now()
        ids = [str(uuid.uuid4()) for _ in moves]
        # the carton's lines first: the merge sees this carton open with
        # something in it, so the pack does not make the order packed yet
        conn.executemany(
            "INSERT INTO carton_lines(carton_id, order_line_id, item_id, lot, qty, from_id,"
            " movement_id, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(carton["id"], line_id, ref.id, m_lot, n, src, movement_id, by_user, now)
             for (_, line_id, src, m_lot, n), movement_id in zip(moves, ids, strict=True)],
        )  # fmt: skip
        wire = [
            {"id": movement_id, "kind": "pack", "item": ref.sku, **lot_field(ref.tracking, m_lot),
             "from": catalog.locations_by_id[src].code, "to": carton["station"], "qty": n,
             "ref": {"order_line": f"{order}/{line_no}"}, "note": carton_number}
            for (line_no, _, src, m_lot, n), movement_id in zip(moves, ids, strict=True)
        ]  # fmt: skip
        posted_or_refuse(post_local_within(conn, wire, user=by_user, rules=rules))
        conn.execute(
            "UPDATE cartons SET server_seq = ? WHERE id = ?", (next_server_seq(conn), carton["id"])
        )
        return get_carton(conn, carton_number)


def _from_staging(
    conn: sqlite3.Connection, lines: list[sqlite3.Row], item_id: int, lot: str | None, units: int
) -> tuple[list[tuple[int, int, int, str, int]], int]:
    """(line_no, line id, source location, lot, units) to pack, line by line, and the total."""
    moves = []
    left = units
    for line in lines:
        room = max(0, min(line["picked"], line["qty"]) - line["packed"])
        query = (
            "SELECT location_id, lot, qty FROM line_staged WHERE order_line_id = ? AND qty > 0"
            + (" AND lot = ?" if lot else "")
            + " ORDER BY location_id, lot"
        )
        for src, s_lot, staged in conn.execute(query, (line["id"], lot) if lot else (line["id"],)):
            take = min(left, room, staged)
            if take > 0:
                moves.append((line["line_no"], line["id"], src, s_lot, take))
                left -= take
                room -= take
        if left == 0:
            break
    return moves, units - left


def close_carton(
    conn: sqlite3.Connection, carton_number: str, *, weight_kg: float, by_user: str
) -> dict[str, Any]:
    """Close a carton with its weight; the order is ``packed`` once everything picked is."""
    if (
        isinstance(weight_kg, bool)
        or not isinstance(weight_kg, int | float)
        or not 0 < weight_kg <= MAX_WEIGHT_KG
    ):
        raise InvalidRequest(f"weight_kg: the carton's weight in kg, above 0 and at most "
                             f"{MAX_WEIGHT_KG}")  # fmt: skip
    with write_transaction(conn):
        carton = _carton(conn, carton_number)
        if carton["unpacked_at"] is not None:
            raise Conflict(f"{carton_number} was opened back up when {carton['order_number']}"
                           " was cancelled: its units go back to their bins")  # fmt: skip
        if carton["status"] != "open":
            raise Conflict(f"{carton_number} is already {carton['status']}")
        if not conn.execute(
            "SELECT 1 FROM carton_lines WHERE carton_id = ?", (carton["id"],)
        ).fetchone():
            raise Conflict(f"{carton_number} is empty: scan items into it first")
        conn.execute(
            "UPDATE cartons SET status = 'closed', weight_g = ?, closed_by = ?, closed_at = ?,"
            " server_seq = ? WHERE id = ?",
            (max(1, round(weight_kg * 1000)), by_user, iso_now(), next_server_seq(conn),
             carton["id"]),
        )  # fmt: skip
        pack_progress(conn, carton["order_id"], by_user=by_user)
        return get_carton(conn, carton_number)


def get_carton(conn: sqlite3.Connection, number: str) -> dict[str, Any]:
    carton = _carton(conn, number)
    contents = [
        {"line": f"{carton['order_number']}/{r[0]}", "item": r[1], "name": r[2],
         "lot": r[3] or None, "qty": r[4]}
        for r in conn.execute(
            "SELECT ol.line_no, i.sku, i.name, cl.lot, sum(cl.qty) FROM carton_lines cl"
            " JOIN order_lines ol ON ol.id = cl.order_line_id JOIN items i ON i.id = cl.item_id"
            " WHERE cl.carton_id = ? GROUP BY ol.line_no, i.sku, cl.lot ORDER BY ol.line_no",
            (carton["id"],),
        )
    ]  # fmt: skip
    shipment = None
    if carton["shipment_id"] is not None:
        shipment = conn.execute(
            "SELECT number FROM shipments WHERE id = ?", (carton["shipment_id"],)
        ).fetchone()[0]
    return {
        "number": carton["number"],
        "order": carton["order_number"],
        "station": carton["station"],
        "status": carton["status"],
        "weight_kg": None if carton["weight_g"] is None else carton["weight_g"] / 1000,
        "opened_by": carton["opened_by"],
        "opened_at": carton["opened_at"],
        "closed_at": carton["closed_at"],
        "unpacked_at": carton["unpacked_at"],
        "unpacked_by": carton["unpacked_by"],
        "shipment": shipment,
        "device": carton["device_id"],  # packed by that device's pack movements; None: a station
        "contents": contents,
    }


def packing_state(conn: sqlite3.Connection, order_number: str) -> dict[str, Any]:
    """An order's lines with what is picked, packed and shipped, its cartons and shipments."""
    order = _order(conn, order_number)
    lines = [
        {"line": f"{order_number}/{r[0]}", "item": r[1], "name": r[2], "qty": r[3],
         "picked": r[4], "packed": r[5], "shipped": r[6]}
        for r in conn.execute(
            "SELECT ol.line_no, i.sku, i.name, ol.qty, ol.picked, ol.packed, ol.shipped"
            " FROM order_lines ol JOIN items i ON i.id = ol.item_id WHERE ol.order_id = ?"
            " ORDER BY ol.line_no",
            (order["id"],),
        )
    ]  # fmt: skip
    cartons = [
        get_carton(conn, r[0])
        for r in conn.execute(
            "SELECT number FROM cartons WHERE order_id = ? ORDER BY id", (order["id"],)
        )
    ]
    shipments = [
        {"number": r[0], "carrier": r[1], "service": r[2], "tracking_number": r[3],
         "status": r[4]}
        for r in conn.execute(
            "SELECT number, carrier, service, tracking_number, status FROM shipments"
            " WHERE order_id = ? ORDER BY id",
            (order["id"],),
        )
    ]  # fmt: skip
    return {"order": order_number, "status": order["status"], "lines": lines,
            "cartons": cartons, "shipments": shipments}  # fmt: skip


def station_queue(conn: sqlite3.Connection, limit: int = 50) -> list[dict[str, Any]]:
    """Orders with picked units to pack or closed cartons to ship, most urgent first."""
    return [
        {"number": r[0], "status": r[1], "customer": r[2], "priority": r[3]}
        for r in conn.execute(
            "SELECT number, status, customer, priority FROM orders"
            " WHERE status IN ('picking', 'picked', 'packed') ORDER BY priority, id LIMIT ?",
            (limit,),
        )
    ]
