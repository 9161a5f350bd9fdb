"""The carrier's tracking webhook: its signature, and what its events do.

The carrier's documented protocol (the README quotes it): every request
carries ``Carrier-Signature: t=<unix seconds>,v1=<hex>``, where ``<hex>`` is
HMAC-SHA256 with the shared secret over ``"<t>." + the raw body``; several
``v1=`` may be sent while a secret is rotated.  A timestamp further than the
tolerance from our clock is refused (a replayed request).  The body::

    {"id": "evt_81ac", "type": "delivered", "tracking_number": "1Z999AA10123456784",
     "occurred_at": "2026-12-01T14:03:00Z", "detail": "Left with neighbour"}

Events are idempotent by ``id``: a retried delivery answers as the first did.
"""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import datetime
from typing import Any

import msgspec

from . import signing
from .db import write_transaction
from .errors import TOO_DEEP, AuthError, Conflict, InvalidRequest, NotFound
from .kinds import CARRIER_EVENT_KINDS
from .shipping import record_delivery

__all__ = ["BadSignature", "CarrierEvent", "verify_signature", "decode_event",
           "apply_carrier_event", "SIGNATURE_HEADER"]  # fmt: skip

SIGNATURE_HEADER = "Carrier-Signature"


class BadSignature(AuthError):
    """A carrier webhook whose signature is missing, wrong or too old (→ 401)."""

    code = "bad_signature"


class CarrierEvent(msgspec.Struct):
    id: str
    type: str
    tracking_number: str
    occurred_at: str
    detail: str | None = None


_decoder = msgspec.json.Decoder(CarrierEvent)


def verify_signature(
    secret: str, header: str | None, body: bytes, *, now: float, tolerance_s: int
) -> None:
    """Raise BadSignature unless ``header`` signs ``body`` with ``secret`` recently."""
    signing.verify(secret, header, body, tolerance=tolerance_s, now=now,
                   webhook="carrier webhooks", error=BadSignature)  # fmt: skip


def decode_event(body: bytes) -> CarrierEvent:
    try:
        event = _decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise InvalidRequest(f"malformed carrier event: {str(exc).replace('`', '')}") from None
    except msgspec.DecodeError:
        raise InvalidRequest("the body is not valid JSON") from None
    except RecursionError:
        raise InvalidRequest(TOO_DEEP) from None
    problems = []
    if not 1 <= len(event.id) <= 100:
        problems.append("id: 1 to 100 characters")
    if event.type not in CARRIER_EVENT_KINDS:
        problems.append(f"type: one of {', '.join(CARRIER_EVENT_KINDS)}")
    try:
        datetime.fromisoformat(event.occurred_at.replace("Z", "+00:00"))
    except ValueError:
        problems.append("occurred_at: an ISO 8601 time such as 2026-12-01T14:03:00Z")
    if event.detail is not None and len(event.detail) > 500:
        problems.append("detail: at most 500 characters")
    if problems:
        raise InvalidRequest(f"the carrier event is not valid: {problems[0]}", problems)
    return event


def apply_carrier_event(conn: sqlite3.Connection, event: CarrierEvent) -> dict[str, Any]:
    """Record the event on its shipment (once per event id)."""
    digest = hashlib.blake2b(msgspec.json.encode(event), digest_size=16).hexdigest()
    with write_transaction(conn):
        seen = conn.execute(
            "SELECT e.digest, s.number, s.status FROM shipment_events e"
            " JOIN shipments s ON s.id = e.shipment_id WHERE e.event_id = ?",
            (event.id,),
        ).fetchone()
        if seen is not None:
            if seen[0] != digest:
                raise Conflict(f"event {event.id} was already received with other content")
            return {"ok": True, "shipment": seen[1], "status": seen[2], "duplicate": True}
        shipment = conn.execute(
            "SELECT id, number FROM shipments WHERE tracking_number = ?",
            (event.tracking_number,),
        ).fetchone()
        if shipment is None:
            raise NotFound(f"no shipment has tracking number {event.tracking_number}")
        record_delivery(conn, shipment[0], kind=event.type, at=event.occurred_at,
                        source="carrier", by_user=None, detail=event.detail,
                        event_id=event.id, digest=digest)  # fmt: skip
        status = conn.execute("SELECT status FROM shipments WHERE id = ?", (shipment[0],))
        return {"ok": True, "shipment": shipment[1], "status": status.fetchone()[0],
                "duplicate": False}  # fmt: skip
