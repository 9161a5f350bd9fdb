"""Pack, ship and return movements counted against order lines and RMAs.

Called by the merge after a movement's ledger entries are posted, the way
picks are counted against their lines (``picking.py``).  A movement is a
fact, so nothing here refuses one; what a supervisor must see comes back as
conflicts:

- a pick that names a line records where its units now wait (``line_staged``);
- a pack or ship that names a line counts against it (``line_packed`` keeps
  where packed units wait): packing more than was picked, or shipping more
  than was packed, is ``OVERSHIP``; then the order moves on by the same rule
  as at the packing station (``order_progress``), attributed to the
  movement's user; one for a cancelled order is ``ORDER_CLOSED`` (and a pack's
  units take the cancel's put-backs with them to the station);
- a device's pack goes into that device's carton for the order, and its
  ships mark those cartons shipped once everything packed has shipped
  (``device_cartons``); a station's own packs and ships have cartons already;
- every return is recorded in ``return_receipts``; one without an RMA, for
  an item the RMA does not list, or beyond what it authorised is
  ``RETURN_UNEXPECTED``.

These run inside the push's transaction, between the Poster's writes, so
they never take a ``server_seq`` of their own.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .batch_refs import parse_line_ref
from .clock import iso_now
from .device_cartons import DevicePack, pack_into_device_carton, ship_device_cartons
from .meta import server_device_id
from .movement import Ref
from .order_progress import pack_progress, ship_progress
from .putback import follow_late_pack

__all__ = ["HOOKED_KINDS", "LineMove", "after_posting"]

HOOKED_KINDS = frozenset({"pick", "pack", "ship", "return"})


@dataclass(frozen=True, slots=True)
class LineMove:
    kind: str
    ref: Ref | None
    item_id: int
    sku: str
    src_id: int
    dst_id: int
    lot: str
    units: int
    seq: int  # the movement's server_seq
    condition: str | None
    user: str = ""  # who did it (the order's event names them)
    device_id: str = ""  # the device that pushed it
    movement_id: str = ""


def after_posting(conn: sqlite3.Connection, move: LineMove) -> list[tuple[str, str]]:
    """Count ``move`` against its order line or RMA; returns conflicts as (code, message)."""
    if move.kind == "return":
        return _returned(conn, move)
    ref = move.ref.order_line if move.ref is not None else None
    if not ref:
        return []
    line = _line(conn, ref)
    if line is None or line[1] != move.item_id:
        return []
    line_id, order_id = line[0], line[2]
    if move.kind == "pick":
        _stage(conn, line_id, move.dst_id, move.lot, move.units)
        return []
    closed = _cancelled(conn, order_id, ref)
    if closed and move.kind == "pack":  # the cancel's put-backs expect the units where they were
        follow_late_pack(conn, line_id, from_id=move.src_id, to_id=move.dst_id, lot=move.lot,
                         units=move.units, seq=move.seq)  # fmt: skip
    elif move.device_id and move.device_id != server_device_id(conn) and move.kind == "pack":
        pack_into_device_carton(conn, DevicePack(
            order_id, line_id, move.item_id, move.lot, move.units, move.src_id, move.dst_id,
            move.device_id, move.movement_id, move.user, move.seq))  # fmt: skip
    return closed + _packed_or_shipped(conn, move, ref, line_id, order_id)


def _cancelled(conn: sqlite3.Connection, order_id: int, ref: str) -> list[tuple[str, str]]:
    """A pack or ship for a cancelled order (recorded offline before the cancel)."""
    status = conn.execute("SELECT status FROM orders WHERE id = ?", (order_id,)).fetchone()[0]
    if status != "cancelled":
        return []
    return [("ORDER_CLOSED", f"{ref}: the order is cancelled")]


def _packed_or_shipped(
    conn: sqlite3.Connection, move: LineMove, ref: str, line_id: int, order_id: int
) -> list[tuple[str, str]]:
    if move.kind == "pack":
        _stage(conn, line_id, move.src_id, move.lot, -move.units)
        _stage(conn, line_id, move.dst_id, move.lot, move.units, "line_packed")
        packed = conn.execute(
            "UPDATE order_lines SET packed = packed + ? WHERE id = ? RETURNING packed, picked",
            (move.units, line_id),
        ).fetchone()
        if packed[0] > packed[1]:
            return [("OVERSHIP", f"{ref}: {packed[0]} packed of {packed[1]} picked")]
        pack_progress(conn, order_id, by_user=move.user, seq=move.seq)
        return []
    _stage(conn, line_id, move.src_id, move.lot, -move.units, "line_packed")
    shipped = conn.execute(
        "UPDATE order_lines SET shipped = shipped + ? WHERE id = ? RETURNING shipped, packed",
        (move.units, line_id),
    ).fetchone()
    if shipped[0] > shipped[1]:
        return [("OVERSHIP", f"{ref}: {shipped[0]} shipped of {shipped[1]} packed")]
    if move.device_id and move.device_id != server_device_id(conn):
        ship_device_cartons(conn, order_id, move.seq)
    ship_progress(conn, order_id, by_user=move.user, seq=move.seq)
    return []


def _line(conn: sqlite3.Connection, ref: str) -> tuple[int, int, int] | None:
    """(line id, item id, order id) of ``SO-55/3``."""
    parsed = parse_line_ref(ref)
    if parsed is None:
        return None
    row = conn.execute(
        "SELECT ol.id, ol.item_id, ol.order_id FROM order_lines ol"
        " JOIN orders o ON o.id = ol.order_id"
        " WHERE o.number = ? AND ol.line_no = ?",
        parsed,
    ).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def _stage(
    conn: sqlite3.Connection,
    line_id: int,
    location_id: int,
    lot: str,
    qty: int,
    table: str = "line_staged",
) -> None:
    conn.execute(
        f"INSERT INTO {table}(order_line_id, location_id, lot, qty) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(order_line_id, location_id, lot) DO UPDATE SET qty = qty + excluded.qty",
        (line_id, location_id, lot, qty),
    )


def _returned(conn: sqlite3.Connection, move: LineMove) -> list[tuple[str, str]]:
    rma_number = move.ref.rma if move.ref is not None else None
    rma_id = rma_line_id = None
    problem: str | None = None
    if not rma_number:
        problem = f"a return of {move.units} {move.sku} that is on no RMA"
    else:
        found = conn.execute("SELECT id FROM rmas WHERE number = ?", (rma_number,)).fetchone()
        if found is None:
            problem = f"no RMA {rma_number}: {move.units} {move.sku} returned"
        else:
            rma_id = found[0]
            rma_line_id, problem = _against_rma(conn, rma_id, rma_number, move)
            # changed: it reaches the returns clerks' devices again (``pull_rmas.py``)
            conn.execute("UPDATE rmas SET server_seq = ? WHERE id = ?", (move.seq, rma_id))
    conn.execute(
        "INSERT INTO return_receipts(movement_seq, rma_id, rma_line_id, item_id, lot, qty,"
        " condition, location_id, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (move.seq, rma_id, rma_line_id, move.item_id, move.lot, move.units, move.condition,
         move.dst_id, iso_now()),
    )  # fmt: skip
    return [("RETURN_UNEXPECTED", problem)] if problem else []


def _against_rma(
    conn: sqlite3.Connection, rma_id: int, number: str, move: LineMove
) -> tuple[int | None, str | None]:
    """Fill the RMA's lines for this item in order; the first line takes any excess."""
    lines = conn.execute(
        "SELECT id, qty, received FROM rma_lines WHERE rma_id = ? AND item_id = ? ORDER BY id",
        (rma_id, move.item_id),
    ).fetchall()
    if not lines:
        return None, f"{move.sku} is not on {number}: {move.units} returned"
    authorised = sum(line[1] for line in lines)
    before = sum(line[2] for line in lines)
    left = move.units
    for line_id, qty, received in lines:
        take = min(left, max(0, qty - received))
        if take:
            conn.execute("UPDATE rma_lines SET received = received + ? WHERE id = ?",
                         (take, line_id))  # fmt: skip
            left -= take
    if left:
        conn.execute("UPDATE rma_lines SET received = received + ? WHERE id = ?",
                     (left, lines[0][0]))  # fmt: skip
        return lines[0][0], (
            f"{number}: {before + move.units} {move.sku} returned of {authorised} authorised"
        )
    return lines[0][0], None
