"""Orders: capture (idempotent by channel and external number), status, cancel.

An order arrives from a channel (the JSON API, a CSV file, the phone form)
with its own reference.  Creating it again with the same channel and
reference — a retried webhook — answers the order already made; the same
reference with different content is refused, never silently merged.

Every status change is recorded in ``order_events`` with who and when;
a change the lifecycle does not allow is refused with a clear message.
Allocation runs in the same write transaction as creation (``allocation.py``).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from datetime import date
from typing import Any

import msgspec

from .allocation import allocate, backordered_for, release
from .catalog import Catalog, catalog_for
from .clock import iso_now
from .db import write_transaction
from .errors import Conflict, InvalidRequest, NotFound, ShelfsyncError
from .kinds import ORDER_TRANSITIONS, PAYMENT_STATUSES
from .meta import next_server_seq
from .putback import cancel_open_tasks, make_putbacks
from .unpack import refuse_shipped, unpack_cartons

__all__ = ["Address", "LineIn", "OrderIn", "decode_order", "create_order", "create_orders",
           "create_order_in", "get_order", "cancel_order", "set_status", "allocate_backorders",
           "check_order", "order_tasks", "order_digest"]  # fmt: skip

MAX_LINES = 500
_CHANNEL = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # fromisoformat also takes 20261201, which sorts wrong
_COUNTRY = re.compile(r"[A-Z]{2}")  # ISO 3166-1 alpha-2, as carriers' labels want it


class Address(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    line1: str
    city: str
    postcode: str
    country: str
    line2: str | None = None
    phone: str | None = None


class LineIn(msgspec.Struct, forbid_unknown_fields=True):
    item: str  # a SKU or any barcode of the item
    qty: int


class OrderIn(msgspec.Struct, forbid_unknown_fields=True):
    channel: str
    customer: str
    ship_to: Address
    lines: list[LineIn]
    external_ref: str | None = None
    priority: int = 5
    requested_date: str | None = None
    payment_status: str = "pending"


_decoder = msgspec.json.Decoder(OrderIn)
_encoder = msgspec.json.Encoder()


def decode_order(body: bytes) -> OrderIn:
    """Decode and check an order; every problem found is listed in ``errors``."""
    try:
        order = _decoder.decode(body)
    except msgspec.ValidationError as exc:
        text = str(exc).replace("`", "")
        raise InvalidRequest(f"malformed order: {text}", [text]) from None
    except msgspec.DecodeError:
        raise InvalidRequest("the body is not valid JSON") from None
    problems = check_order(order)
    if problems:
        raise InvalidRequest(f"the order is not valid: {problems[0]}", problems)
    return order


def check_order(order: OrderIn) -> list[str]:
    """Every problem with the order's fields, each as ``field: what is wrong``."""
    problems = []
    if not _CHANNEL.fullmatch(order.channel):  # the whole text: no final newline either
        problems.append("channel: lower-case letters, digits, '.', '_' or '-', at most 32")
    if order.external_ref is not None and not 0 < len(order.external_ref) <= 64:
        problems.append("external_ref: 1 to 64 characters")
    if not order.customer.strip() or len(order.customer) > 200:
        problems.append("customer: 1 to 200 characters")
    if not 1 <= order.priority <= 9:
        problems.append("priority: 1 (most urgent) to 9")
    if order.payment_status not in PAYMENT_STATUSES:
        problems.append(f"payment_status: one of {', '.join(PAYMENT_STATUSES)}")
    if order.requested_date is not None and not _is_date(order.requested_date):
        problems.append("requested_date: a date such as 2026-12-01")
    for field in ("name", "line1", "city", "postcode", "country"):
        if not getattr(order.ship_to, field).strip():
            problems.append(f"ship_to.{field}: required")
    if order.ship_to.country.strip() and not _COUNTRY.fullmatch(order.ship_to.country):
        problems.append("ship_to.country: two capital letters (ISO 3166), such as GB")
    if not 1 <= len(order.lines) <= MAX_LINES:
        problems.append(f"lines: 1 to {MAX_LINES}")
    for n, line in enumerate(order.lines, 1):
        if not 1 <= line.qty <= 1_000_000:
            problems.append(f"lines[{n}].qty: 1 to 1,000,000")
    problems += [f"{name}: must not contain NUL characters"
                 for name, text in _texts(order) if "\x00" in text]  # fmt: skip
    return problems


def _texts(order: OrderIn) -> list[tuple[str, str]]:
    """Every text of an order, by the name its problems give it (no person types
    a NUL, and SQLite's own text functions stop at one)."""
    # channel, payment_status, requested_date and country have patterns of their own
    fields: list[tuple[str, str | None]] = [
        ("customer", order.customer), ("external_ref", order.external_ref)]  # fmt: skip
    fields += [(f"ship_to.{f}", getattr(order.ship_to, f))
               for f in ("name", "line1", "line2", "city", "postcode", "phone")]  # fmt: skip
    fields += [(f"lines[{n}].item", line.item) for n, line in enumerate(order.lines, 1)]
    return [(name, text) for name, text in fields if text is not None]


def _is_date(text: str) -> bool:
    if not _DATE.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def order_digest(order: OrderIn) -> str:
    """What tells a retry of an order (same digest) from another order."""
    return hashlib.blake2b(_encoder.encode(order), digest_size=16).hexdigest()


def create_order(
    conn: sqlite3.Connection, order: OrderIn, *, by_user: str
) -> tuple[dict[str, Any], bool]:
    """Create and allocate ``order`` in one write transaction.

    Returns (the order, True) when made now, (the order, False) when the same
    channel and reference already made it.  Raises Conflict when that
    reference was used for a different order, InvalidRequest for an unknown item.
    """
    with write_transaction(conn):
        return create_order_in(conn, order, by_user=by_user)


def create_orders(
    conn: sqlite3.Connection, orders: list[tuple[OrderIn, str]]
) -> list[tuple[dict[str, Any], bool] | ShelfsyncError]:
    """Create several orders in one write transaction (group commit, bulk).

    Set-based (``order_create.create_many``): a few statements for the whole
    batch.  Each order is all-or-nothing: one that is refused is returned as
    its error and leaves the others alone.  Allocation is as serial as ever:
    one writer, one order after the other, in the order given.
    """
    from .order_create import create_many  # it builds on this module's types

    with write_transaction(conn):
        return create_many(conn, orders, catalog=catalog_for(conn))


def create_order_in(
    conn: sqlite3.Connection, order: OrderIn, *, by_user: str, catalog: Catalog | None = None
) -> tuple[dict[str, Any], bool]:
    """``create_order`` inside the caller's write transaction (``catalog``: the
    caller's, already fresh)."""
    from .order_create import create_many  # it builds on this module's types

    result = create_many(conn, [(order, by_user)], catalog=catalog)[0]
    if isinstance(result, ShelfsyncError):
        raise result
    return result


def _event(
    conn: sqlite3.Connection,
    order_id: int,
    before: str | None,
    after: str,
    by_user: str,
    note: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO order_events(order_id, from_status, to_status, by_user, at, note)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (order_id, before, after, by_user, iso_now(), note),
    )


def _move(
    conn: sqlite3.Connection,
    order_id: int,
    before: str,
    after: str,
    by_user: str,
    note: str | None = None,
    seq: int | None = None,
) -> None:
    if after not in ORDER_TRANSITIONS[before]:
        allowed = ", ".join(ORDER_TRANSITIONS[before]) or "nothing"
        raise Conflict(f"an order that is {before} cannot become {after} (only: {allowed})")
    conn.execute(
        "UPDATE orders SET status = ?, server_seq = ? WHERE id = ?",
        (after, next_server_seq(conn) if seq is None else seq, order_id),
    )
    _event(conn, order_id, before, after, by_user, note)


def _find(conn: sqlite3.Connection, number: str) -> sqlite3.Row:
    row = conn.execute("SELECT * FROM orders WHERE number = ?", (number,)).fetchone()
    if row is None:
        raise NotFound(f"no order {number}")
    return row


def set_status(
    conn: sqlite3.Connection, number: str, status: str, *, by_user: str, seq: int | None = None
) -> None:
    """Move an order along its lifecycle (inside the caller's write transaction).

    ``seq``: the change's server_seq when the caller already has one (the
    merge, whose Poster hands them out); else a new one is taken.
    """
    row = _find(conn, number)
    _move(conn, row["id"], row["status"], status, by_user, seq=seq)


def cancel_order(
    conn: sqlite3.Connection, number: str, *, by_user: str, reason: str
) -> dict[str, Any]:
    """Cancel an order, releasing what it reserved.

    Its pick tasks not yet picked are cancelled (pull tells the pickers);
    whatever was already picked gets put-back tasks to its bins, from where
    the units wait: a tote, or a packing station (its cartons are opened back
    up).  Once anything has shipped it is too late.
    """
    if not reason.strip():
        raise InvalidRequest("reason: say why the order is cancelled")
    with write_transaction(conn):
        row = _find(conn, number)
        refuse_shipped(conn, row["id"], number, row["status"])
        _move(conn, row["id"], row["status"], "cancelled", by_user, reason)
        release(conn, row["id"], "order cancelled")
        seq = next_server_seq(conn)
        cancel_open_tasks(conn, row["id"], seq)
        # nothing to do for an order never picked; a backordered one may have been
        unpack_cartons(conn, row["id"], by_user=by_user, seq=seq)
        make_putbacks(conn, row["id"], seq)
        return get_order(conn, number)


def allocate_backorders(conn: sqlite3.Connection, since_seq: int, *, by_user: str) -> list[str]:
    """Allocate backordered orders from stock that arrived after ``since_seq``.

    One write transaction; returns the numbers of the orders now allocated.
    """
    done = []
    with write_transaction(conn):
        for order_id, number in backordered_for(conn, since_seq):
            if allocate(conn, order_id):
                _move(conn, order_id, "backordered", "allocated", by_user, "stock arrived")
                done.append(number)
    return done


def get_order(conn: sqlite3.Connection, number: str) -> dict[str, Any]:
    row = _find(conn, number)
    lines = []
    for line in conn.execute(
        "SELECT ol.id, ol.line_no, ol.qty, i.sku FROM order_lines ol"
        " JOIN items i ON i.id = ol.item_id WHERE ol.order_id = ? ORDER BY ol.line_no",
        (row["id"],),
    ).fetchall():
        reserved = [
            {"location": r[0], "lot": r[1] or None, "qty": r[2]}
            for r in conn.execute(
                "SELECT l.code, r.lot, r.qty FROM reservations r"
                " JOIN locations l ON l.id = r.location_id"
                " WHERE r.order_line_id = ? AND r.released_at IS NULL ORDER BY r.id",
                (line["id"],),
            )
        ]
        lines.append(
            {
                "line": f"{row['number']}/{line['line_no']}",
                "item": line["sku"],
                "qty": line["qty"],
                "reserved": sum(r["qty"] for r in reserved),
                "reservations": reserved,
            }
        )
    events = [
        {"from": e[0], "to": e[1], "by": e[2], "at": e[3], "note": e[4]}
        for e in conn.execute(
            "SELECT from_status, to_status, by_user, at, note FROM order_events"
            " WHERE order_id = ? ORDER BY id",
            (row["id"],),
        )
    ]
    return {
        "number": row["number"],
        "channel": row["channel"],
        "external_ref": row["external_ref"],
        "customer": row["customer"],
        "ship_to": msgspec.json.decode(row["ship_to"]),
        "priority": row["priority"],
        "requested_date": row["requested_date"],
        "payment_status": row["payment_status"],
        "status": row["status"],
        "lines": lines,
        "history": events,
    }


def order_tasks(conn: sqlite3.Connection, number: str) -> list[dict[str, Any]]:
    """The order's pick and put-back tasks, with their status (for the staff page)."""
    row = _find(conn, number)
    return [
        dict(r)
        for r in conn.execute(
            "SELECT 'PT-' || t.id AS id, 'pick' AS kind, p.number AS list,"
            " p.status AS list_status, i.sku AS item,"
            ' l.code AS location, tote.code AS "to", t.qty, t.status, p.assigned_to'
            " FROM pick_tasks t JOIN pick_lists p ON p.id = t.pick_list_id"
            " JOIN order_lines ol ON ol.id = t.order_line_id JOIN items i ON i.id = t.item_id"
            " JOIN locations l ON l.id = t.location_id JOIN locations tote ON tote.id = t.tote_id"
            " WHERE ol.order_id = :o"
            " UNION ALL SELECT 'PB-' || b.id, 'putback', NULL, NULL, i.sku, src.code, dst.code,"
            " b.qty, b.status, b.assigned_to FROM putback_tasks b"
            " JOIN order_lines ol ON ol.id = b.order_line_id JOIN items i ON i.id = b.item_id"
            " JOIN locations src ON src.id = b.from_id JOIN locations dst ON dst.id = b.to_id"
            " WHERE ol.order_id = :o ORDER BY 2, 1",
            {"o": row["id"]},
        )
    ]
