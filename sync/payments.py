"""Payment status from the payment provider's (already verified) webhook events.

An event names the order (``order``: ``SO-55``, or ``channel`` and
``external_ref``) and the new ``status``.  It is idempotent by the
provider's event ``id``: a resent event answers what the first one did and
changes nothing.  Payment only moves forward (``PAYMENT_TRANSITIONS``): an
event that would move it back — a late ``authorized`` after ``paid`` — is
recorded as not applied and answered 200, so the provider stops resending.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

import msgspec

from .clock import iso_now
from .db import write_transaction
from .errors import TOO_DEEP, Conflict, InvalidRequest, NotFound
from .kinds import PAYMENT_STATUSES, PAYMENT_TRANSITIONS
from .meta import next_server_seq

__all__ = [
    "PaymentEvent",
    "decode_payment_event",
    "apply_payment_event",
    "record_refund",
    "payment_history",
]


class PaymentEvent(msgspec.Struct, forbid_unknown_fields=False):
    id: str
    status: str
    order: str | None = None
    channel: str | None = None
    external_ref: str | None = None


_decoder = msgspec.json.Decoder(PaymentEvent)


def decode_payment_event(body: bytes) -> PaymentEvent:
    try:
        event = _decoder.decode(body)
    except msgspec.ValidationError as exc:
        text = str(exc).replace("`", "")
        raise InvalidRequest(f"malformed payment event: {text}", [text]) from None
    except msgspec.DecodeError:
        raise InvalidRequest("the body is not valid JSON") from None
    except RecursionError:
        raise InvalidRequest(TOO_DEEP) from None
    problems = []
    if not 0 < len(event.id) <= 255:
        problems.append("id: the provider's event id, 1 to 255 characters")
    if event.status not in PAYMENT_STATUSES:
        problems.append(f"status: one of {', '.join(PAYMENT_STATUSES)}")
    if event.order is None and (event.channel is None or event.external_ref is None):
        problems.append("order: the order number, or channel and external_ref")
    if problems:
        raise InvalidRequest(f"the payment event is not valid: {problems[0]}", problems)
    return event


def _order(conn: sqlite3.Connection, event: PaymentEvent) -> sqlite3.Row:
    if event.order is not None:
        row = conn.execute(
            "SELECT id, number, payment_status FROM orders WHERE number = ?", (event.order,)
        ).fetchone()
        name = event.order
    else:
        row = conn.execute(
            "SELECT id, number, payment_status FROM orders WHERE channel = ? AND external_ref = ?",
            (event.channel, event.external_ref),
        ).fetchone()
        name = f"{event.channel} order {event.external_ref}"
    if row is None:
        raise NotFound(f"no order {name}")
    return row


def apply_payment_event(
    conn: sqlite3.Connection, event: PaymentEvent, body: bytes
) -> dict[str, Any]:
    """Record the event and move the order's payment status if the move is legal."""
    digest = hashlib.blake2b(body, digest_size=16).hexdigest()
    with write_transaction(conn):
        seen = conn.execute(
            "SELECT p.digest, p.applied, p.note, p.status, o.number, o.payment_status"
            " FROM payment_events p JOIN orders o ON o.id = p.order_id WHERE p.event_id = ?",
            (event.id,),
        ).fetchone()
        if seen is not None:
            if seen[0] != digest:
                raise Conflict(f"payment event {event.id} was already received with other content")
            return _answer(seen[4], seen[5], bool(seen[1]), seen[2], replayed=True)
        order = _order(conn, event)
        before = order["payment_status"]
        applied = event.status in PAYMENT_TRANSITIONS[before]
        if applied:
            note = f"{before} → {event.status}"
            conn.execute(
                "UPDATE orders SET payment_status = ?, server_seq = ? WHERE id = ?",
                (event.status, next_server_seq(conn), order["id"]),
            )
        elif event.status == before:
            note = f"already {before}"
        else:
            note = f"not applied: the payment is {before} and cannot become {event.status}"
        conn.execute(
            "INSERT INTO payment_events(event_id, order_id, status, before, applied, note,"
            " digest, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (event.id, order["id"], event.status, before, int(applied), note, digest, iso_now()),
        )
        after = event.status if applied else before
        return _answer(order["number"], after, applied, note, replayed=False)


def _answer(
    number: str, status: str, applied: bool, note: str | None, *, replayed: bool
) -> dict[str, Any]:
    return {"ok": True, "order": number, "payment_status": status, "applied": applied,
            "replayed": replayed, "message": note}  # fmt: skip


def record_refund(
    conn: sqlite3.Connection, order_id: int, rma: str, *, before: str, by_user: str
) -> None:
    """An RMA's refund, made here, in the payment history beside the provider's
    events (under an id of our own, ``shelfsync:refund:RMA-3``; an RMA is
    refunded once).  ``before``: the order's payment status before it."""
    event_id = f"shelfsync:refund:{rma}"
    applied = before != "refunded"
    note = (f"{before} → refunded: {rma} refunded by {by_user}" if applied
            else f"already refunded; {rma} refunded by {by_user}")  # fmt: skip
    conn.execute(
        "INSERT INTO payment_events(event_id, order_id, status, before, applied, note,"
        " digest, received_at) VALUES (?, ?, 'refunded', ?, ?, ?, ?, ?)",
        (event_id, order_id, before, int(applied), note,
         hashlib.blake2b(event_id.encode(), digest_size=16).hexdigest(), iso_now()),
    )  # fmt: skip


def payment_history(conn: sqlite3.Connection, number: str) -> list[dict[str, Any]]:
    """The payment events of an order (``SO-55``), oldest first."""
    return [
        {"event": r[0], "status": r[1], "applied": bool(r[2]), "note": r[3], "at": r[4]}
        for r in conn.execute(
            "SELECT p.event_id, p.status, p.applied, p.note, p.received_at FROM payment_events p"
            " JOIN orders o ON o.id = p.order_id WHERE o.number = ? ORDER BY p.id",
            (number,),
        )
    ]
