"""Return authorisations (RMAs) against shipped order lines.

An RMA (``RMA-7``) names lines of one shipped order and how many units of
each may come back: never more than shipped minus what other RMAs already
authorised or received.  Goods come back as ``return`` movements naming the
RMA (``returns.py``; or a device's push with ``ref.rma``), counted against
its lines by the merge.  The RMA carries a refund status (none, pending,
refunded; refunded makes the order's payment ``refunded``) and may get an
exchange: a replacement order made through ``create_order``.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import msgspec

from .batch_refs import parse_line_ref
from .clock import iso_now
from .db import write_transaction
from .errors import Conflict, InvalidRequest, NotFound
from .kinds import REFUND_STATUSES
from .meta import next_server_seq
from .orders import Address, LineIn, OrderIn, _event, create_order
from .payments import record_refund

__all__ = ["create_rma", "get_rma", "set_refund", "make_exchange", "rma_row", "open_rmas"]


def rma_row(conn: sqlite3.Connection, number: str) -> sqlite3.Row:
    row = conn.execute(
        "SELECT r.*, o.number AS order_number FROM rmas r JOIN orders o ON o.id = r.order_id"
        " WHERE r.number = ?",
        (number,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no RMA {number}")
    return row


def create_rma(
    conn: sqlite3.Connection,
    order_number: str,
    lines: list[dict[str, Any]],
    *,
    reason: str,
    by_user: str,
    request_ref: str | None = None,
) -> dict[str, Any]:
    """Authorise the return of ``lines`` (``{"line": "SO-5/1", "qty": 2}``) of a shipped order.

    ``request_ref``: the staff form's reference; an RMA already made with it
    is answered again (a form sent twice makes one RMA).
    """
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
        raise InvalidRequest("reason: why the customer returns it, 1 to 500 characters")
    if not isinstance(lines, list) or not 1 <= len(lines) <= 500:
        raise InvalidRequest("lines: 1 to 500 lines to return")
    with write_transaction(conn):
        order = conn.execute(
            "SELECT id, status FROM orders WHERE number = ?", (order_number,)
        ).fetchone()
        if order is None:
            raise NotFound(f"no order {order_number}")
        if request_ref is not None:
            made = conn.execute(
                "SELECT number FROM rmas WHERE request_ref = ? AND order_id = ?",
                (request_ref, order["id"]),
            ).fetchone()
            if made is not None:
                return get_rma(conn, made[0])
        wanted: dict[int, int] = {}
        problems = []
        for n, line in enumerate(lines, 1):
            ref, qty = (line.get("line"), line.get("qty")) if isinstance(line, dict) else (0, 0)
            if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                problems.append(f"lines[{n}].qty: a whole number above 0")
                continue
            parsed = parse_line_ref(str(ref))
            row = conn.execute(
                "SELECT id FROM order_lines WHERE order_id = ? AND line_no = ?",
                (order["id"], -1 if parsed is None else parsed[1]),
            ).fetchone()
            if parsed is None or parsed[0] != order_number or row is None:
                problems.append(f"lines[{n}].line: {ref} is not a line of {order_number}")
                continue
            wanted[row[0]] = wanted.get(row[0], 0) + qty
        for line_id, qty in wanted.items():
            shipped, taken, label = conn.execute(
                "SELECT ol.shipped, coalesce((SELECT sum(max(rl.qty, rl.received))"
                " FROM rma_lines rl WHERE rl.order_line_id = ol.id), 0),"
                " o.number || '/' || ol.line_no FROM order_lines ol"
                " JOIN orders o ON o.id = ol.order_id WHERE ol.id = ?",
                (line_id,),
            ).fetchone()
            if qty > shipped - taken:
                problems.append(
                    f"{label}: {shipped} shipped, {taken} already returned or authorised;"
                    f" at most {max(0, shipped - taken)} can be authorised, not {qty}"
                )
        if problems:
            raise InvalidRequest(f"the RMA is not valid: {problems[0]}", problems)
        cur = conn.execute(
            "INSERT INTO rmas(number, order_id, reason, created_by, created_at, server_seq,"
            " request_ref) VALUES ('', ?, ?, ?, ?, ?, ?)",
            (order["id"], reason.strip(), by_user, iso_now(), next_server_seq(conn), request_ref),
        )
        number = f"RMA-{cur.lastrowid}"
        conn.execute("UPDATE rmas SET number = ? WHERE id = ?", (number, cur.lastrowid))
        conn.executemany(
            "INSERT INTO rma_lines(rma_id, order_line_id, item_id, qty)"
            " SELECT ?, id, item_id, ? FROM order_lines WHERE id = ?",
            [(cur.lastrowid, qty, line_id) for line_id, qty in wanted.items()],
        )
        return get_rma(conn, number)


def get_rma(conn: sqlite3.Connection, number: str) -> dict[str, Any]:
    row = rma_row(conn, number)
    lines = [
        {"line": f"{row['order_number']}/{r[0]}", "item": r[1], "name": r[2], "qty": r[3],
         "received": r[4]}
        for r in conn.execute(
            "SELECT ol.line_no, i.sku, i.name, rl.qty, rl.received FROM rma_lines rl"
            " JOIN order_lines ol ON ol.id = rl.order_line_id JOIN items i ON i.id = rl.item_id"
            " WHERE rl.rma_id = ? ORDER BY rl.id",
            (row["id"],),
        )
    ]  # fmt: skip
    receipts = [
        {"item": r[0], "lot": r[1] or None, "qty": r[2], "condition": r[3] or r[4],
         "disposition": r[5], "location": r[6], "at": r[7]}
        for r in conn.execute(
            "SELECT i.sku, rr.lot, rr.qty, d.condition, rr.condition, d.disposition,"
            " coalesce(dl.code, rl.code), rr.at FROM return_receipts rr"
            " JOIN items i ON i.id = rr.item_id JOIN locations rl ON rl.id = rr.location_id"
            " LEFT JOIN return_dispositions d ON d.receipt_seq = rr.movement_seq"
            " LEFT JOIN locations dl ON dl.id = d.location_id"
            " WHERE rr.rma_id = ? ORDER BY rr.movement_seq",
            (row["id"],),
        )
    ]  # fmt: skip
    authorised = sum(line["qty"] for line in lines)
    received = sum(min(line["received"], line["qty"]) for line in lines)
    exchange = None
    if row["exchange_order_id"] is not None:
        exchange = conn.execute(
            "SELECT number FROM orders WHERE id = ?", (row["exchange_order_id"],)
        ).fetchone()[0]
    return {
        "number": row["number"],
        "order": row["order_number"],
        "reason": row["reason"],
        "status": "received"
        if received >= authorised
        else "partly received"
        if received
        else "authorised",
        "refund_status": row["refund_status"],
        "exchange_order": exchange,
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "lines": lines,
        "receipts": receipts,
    }


def set_refund(
    conn: sqlite3.Connection, number: str, status: object, *, by_user: str
) -> dict[str, Any]:
    """Move the RMA's refund along; ``refunded`` makes the order's payment ``refunded``."""
    if status not in REFUND_STATUSES:
        raise InvalidRequest(f"status: one of {', '.join(REFUND_STATUSES)}")
    with write_transaction(conn):
        row = rma_row(conn, number)
        if row["refund_status"] == "refunded" and status != "refunded":
            raise Conflict(f"{number} is already refunded")
        if row["refund_status"] == status:
            return get_rma(conn, number)
        conn.execute(
            "UPDATE rmas SET refund_status = ?, server_seq = ? WHERE id = ?",
            (status, next_server_seq(conn), row["id"]),
        )
        if status == "refunded":
            order = conn.execute(
                "SELECT status, payment_status FROM orders WHERE id = ?", (row["order_id"],)
            ).fetchone()
            if order[1] != "refunded":
                conn.execute(
                    "UPDATE orders SET payment_status = 'refunded', server_seq = ? WHERE id = ?",
                    (next_server_seq(conn), row["order_id"]),
                )
                # the order's history records the payment change (its status stays)
                _event(conn, row["order_id"], order[0], order[0], by_user,
                       f"payment {order[1]} -> refunded ({number})")  # fmt: skip
            record_refund(conn, row["order_id"], number, before=order[1], by_user=by_user)
        return get_rma(conn, number)


def make_exchange(conn: sqlite3.Connection, number: str, *, by_user: str) -> dict[str, Any]:
    """A replacement order for the RMA's lines (made once; asking again answers it).

    The order is made by ``create_order`` with channel ``exchange`` and the
    RMA number as its reference, so a retry after a crash between making and
    linking finds the same order.
    """
    row = rma_row(conn, number)
    if row["exchange_order_id"] is not None:
        return get_rma(conn, number)
    original = conn.execute(
        "SELECT customer, ship_to, priority FROM orders WHERE id = ?", (row["order_id"],)
    ).fetchone()
    lines = [
        LineIn(sku, qty)
        for sku, qty in conn.execute(
            "SELECT i.sku, rl.qty FROM rma_lines rl JOIN items i ON i.id = rl.item_id"
            " WHERE rl.rma_id = ? ORDER BY rl.id",
            (row["id"],),
        )
    ]
    replacement = OrderIn(
        channel="exchange",
        external_ref=number,
        customer=original[0],
        ship_to=msgspec.json.decode(original[1], type=Address),
        lines=lines,
        priority=original[2],
        payment_status="paid",
    )
    made, _ = create_order(conn, replacement, by_user=by_user)
    with write_transaction(conn):
        conn.execute(
            "UPDATE rmas SET exchange_order_id = (SELECT id FROM orders WHERE number = ?),"
            " server_seq = ? WHERE id = ?",
            (made["number"], next_server_seq(conn), row["id"]),
        )
        return get_rma(conn, number)


def open_rmas(conn: sqlite3.Connection, limit: int = 50) -> list[dict[str, Any]]:
    """RMAs still waiting for goods, oldest first."""
    return [
        {"number": r[0], "order": r[1], "reason": r[2], "authorised": r[3], "received": r[4]}
        for r in conn.execute(
            "SELECT r.number, o.number, r.reason, sum(l.qty), sum(min(l.received, l.qty))"
            " FROM rmas r JOIN orders o ON o.id = r.order_id JOIN rma_lines l ON l.rma_id = r.id"
            " GROUP BY r.id HAVING sum(min(l.received, l.qty)) < sum(l.qty) ORDER BY r.id LIMIT ?",
            (limit,),
        )
    ]
