"""Cartons for what devices pack, so the shipping desk can ship it.

A packing station opens a carton, scans into it and closes it; a device (a
protocol client's handheld at the bench) only pushes ``pack`` movements
naming the order line.  Those units go into the device's carton for that
order at the movement's destination: one carton per order, station and
device, closed from the start (a device has no "close carton" step, and an
open carton would keep the order from becoming ``packed``), filled until it
ships.  A station's own packs are the server's device and never land here.

Shipping: the desk ships the carton like any other (``shipping.py``).  When a
device's ``ship`` movements ship every packed unit of the order, its device
cartons are marked shipped, so they do not hold the order back from
``shipped``.  Both run inside the push's transaction, from
``fulfilment_hooks``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .carton_number import name_carton
from .clock import iso_now

__all__ = ["DevicePack", "pack_into_device_carton", "ship_device_cartons"]


@dataclass(frozen=True, slots=True)
class DevicePack:
    order_id: int
    line_id: int
    item_id: int
    lot: str
    units: int
    from_id: int  # where the units were (a tote)
    station_id: int  # where they were packed: the movement's destination
    device_id: str
    movement_id: str
    user: str
    seq: int  # the pack's server_seq


def pack_into_device_carton(conn: sqlite3.Connection, pack: DevicePack) -> str:
    """Add the pack to its device carton (made when there is none); returns its number."""
    found = conn.execute(
        "SELECT id, number FROM cartons WHERE order_id = ? AND station_id = ? AND device_id = ?"
        " AND status = 'closed' AND unpacked_at IS NULL ORDER BY id DESC LIMIT 1",
        (pack.order_id, pack.station_id, pack.device_id),
    ).fetchone()
    now = iso_now()
    if found is None:
        cur = conn.execute(
            "INSERT INTO cartons(number, order_id, station_id, status, opened_by, opened_at,"
            " closed_by, closed_at, server_seq, device_id)"
            " VALUES ('', ?, ?, 'closed', ?, ?, ?, ?, ?, ?)",
            (pack.order_id, pack.station_id, pack.user, now, pack.user, now, pack.seq,
             pack.device_id),
        )  # fmt: skip
        carton_id = int(cur.lastrowid or 0)
        number = name_carton(conn, carton_id)
    else:
        carton_id, number = found[0], found[1]
        conn.execute("UPDATE cartons SET server_seq = ? WHERE id = ?", (pack.seq, carton_id))
    conn.execute(
        "INSERT INTO carton_lines(carton_id, order_line_id, item_id, lot, qty, from_id,"
        " movement_id, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (carton_id, pack.line_id, pack.item_id, pack.lot, pack.units, pack.from_id,
         pack.movement_id, pack.user, now),
    )  # fmt: skip
    return number


def ship_device_cartons(conn: sqlite3.Connection, order_id: int, seq: int) -> int:
    """Once every packed unit of the order has shipped, its device cartons have
    too; returns how many were marked."""
    waiting = conn.execute(
        "SELECT count(*) FROM order_lines WHERE order_id = ? AND shipped < packed", (order_id,)
    ).fetchone()[0]
    if waiting:
        return 0
    cur = conn.execute(
        "UPDATE cartons SET status = 'shipped', server_seq = ? WHERE order_id = ?"
        " AND device_id IS NOT NULL AND status = 'closed' AND unpacked_at IS NULL",
        (seq, order_id),
    )
    return cur.rowcount
