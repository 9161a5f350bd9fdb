"""Movements on the wire: decoding and validation at the boundary.

A push envelope that cannot be trusted as a whole (bad JSON, wrong protocol,
a movement without a usable ``id`` and ``seq``) raises.  A movement that is
itself invalid (wrong type, unknown kind, qty ≤ 0, missing field) is not an
exception: it is recorded and answered ``rejected`` with one clear message,
so it never wedges the device's queue.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from dataclasses import dataclass

import msgspec

from .clock import canonical_iso, parse_iso_ms
from .errors import TOO_DEEP, InvalidRequest, TooLarge, UnsupportedProtocol
from .kinds import MOVEMENT_KINDS, PROTOCOL_VERSION, RETURN_CONDITIONS

__all__ = [
    "MAX_MOVEMENTS",
    "MAX_QTY",
    "Ref",
    "WireMovement",
    "Incoming",
    "PushRequest",
    "decode_push",
    "decode_movement",
    "validate",
    "Invalid",
]

MAX_MOVEMENTS = 500
MAX_QTY = 1_000_000_000
MAX_PENDING = 10_000_000  # movements a device reports queued: far beyond any real outbox
MAX_APP_VERSION = 50  # as device registration allows
MAX_TEXT = 200
MAX_NOTE = 2000


class Ref(msgspec.Struct, omit_defaults=True):
    order_line: str | None = None
    task: str | None = None
    rma: str | None = None
    count_task: str | None = None


class WireMovement(msgspec.Struct, omit_defaults=True):
    id: str
    seq: int
    kind: str
    user: str | None = None
    recorded_at: str | None = None
    basis: int | None = None
    item: str | None = None
    lot: str | None = None
    serial: str | None = None
    expiry: str | None = None
    from_: str | None = msgspec.field(default=None, name="from")
    to: str | None = None
    qty: int | None = None
    ref: Ref | None = None
    note: str | None = None
    reason: str | None = None
    condition: str | None = None


class _Head(msgspec.Struct):
    id: str
    seq: int


class _Envelope(msgspec.Struct):
    protocol: int
    device_id: str
    movements: list[msgspec.Raw]
    epoch: str | None = None
    device_time: str | None = None
    app_version: str | None = None
    pending: int | None = None
    oldest_pending_at: str | None = None


class _ProtocolOnly(msgspec.Struct):
    protocol: int


@dataclass(slots=True)
class Incoming:
    """One movement of a push, decoded as far as it would go."""

    id: str
    seq: int
    digest: str
    payload: str
    movement: WireMovement | None  # None: it did not even decode
    decode_error: str | None


@dataclass(slots=True)
class PushRequest:
    device_id: str
    epoch: str | None
    device_time_ms: int
    movements: list[Incoming]
    app_version: str | None = None
    pending: int | None = None
    oldest_pending_at: str | None = None


@dataclass(frozen=True, slots=True)
class Invalid:
    code: str
    message: str


_envelope_decoder = msgspec.json.Decoder(_Envelope)
_movement_decoder = msgspec.json.Decoder(WireMovement)
_head_decoder = msgspec.json.Decoder(_Head)
_protocol_decoder = msgspec.json.Decoder(_ProtocolOnly)
_encoder = msgspec.json.Encoder()


def _readable(exc: msgspec.ValidationError) -> str:
    """msgspec says "Expected `int`, got `str` - at `$.qty`"; say "qty: expected int, got str"."""
    text = str(exc).replace("`", "")
    if " - at $" in text:
        what, _, where = text.partition(" - at $")
        return f"{where.lstrip('.') or 'body'}: {what[0].lower()}{what[1:]}"
    return text[0].lower() + text[1:] if text else "invalid"


_NO_REF = Ref()


def _digest(movement: WireMovement) -> str:
    """Hash of what the movement says happened: not of where the queue put it
    (``seq``, ``basis``), nor of how its JSON spelled it.  Key order, nulls and
    missing keys are gone once decoded; an empty ``ref`` is no ``ref``, and
    ``recorded_at`` is the instant it names (``Z`` or ``+01:00``, with or
    without milliseconds).  Rows stored before ``ref`` and the time were read
    this way hold a digest of the spelling: see ``push._Batch._same_content``."""
    recorded = movement.recorded_at
    if recorded:
        with contextlib.suppress(ValueError):  # else rejected, and hashed as it was written
            recorded = canonical_iso(recorded)
    canonical = msgspec.structs.replace(
        movement,
        seq=0,
        basis=None,
        ref=None if movement.ref == _NO_REF else movement.ref,
        recorded_at=recorded,
    )
    return hashlib.blake2b(_encoder.encode(canonical), digest_size=16).hexdigest()


def _check_protocol(body: bytes) -> None:
    try:
        version = _protocol_decoder.decode(body).protocol
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return
    if version != PROTOCOL_VERSION:
        raise UnsupportedProtocol(
            f"protocol {version} is not supported; this server speaks protocol {PROTOCOL_VERSION}"
        )


def decode_movement(index: int, raw: msgspec.Raw | bytes) -> Incoming:
    """Decode one movement of a push (``index`` names it in error messages)."""
    data = bytes(raw)
    try:
        movement = _movement_decoder.decode(data)
        error = None
        head_id, head_seq = movement.id, movement.seq
    except msgspec.ValidationError as exc:
        movement, error = None, _readable(exc)
        try:
            head = _head_decoder.decode(data)
        except msgspec.ValidationError:
            raise InvalidRequest(
                f"movements[{index}]: every movement needs an id (UUID) and a seq (integer)",
                [f"movements[{index}]: {error}"],
            ) from None
        head_id, head_seq = head.id, head.seq
    try:
        movement_id = _canonical_uuid(head_id)
    except ValueError:
        raise InvalidRequest(
            f"movements[{index}].id: {head_id!r} is not a UUID",
            [f"movements[{index}].id: not a UUID"],
        ) from None
    if head_seq < 1:
        raise InvalidRequest(
            f"movements[{index}].seq: must be 1 or more", [f"movements[{index}].seq: < 1"]
        )
    if movement is not None:
        movement.id = movement_id
        digest = _digest(movement)
    else:
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    return Incoming(movement_id, head_seq, digest, data.decode(), movement, error)


def decode_push(body: bytes, *, max_movements: int = MAX_MOVEMENTS) -> PushRequest:
    """Decode and check a push request's envelope.

    Raises InvalidRequest (400), TooLarge (413) or UnsupportedProtocol (426).
    """
    try:
        envelope = _envelope_decoder.decode(body)
    except msgspec.ValidationError as exc:
        _check_protocol(body)
        raise InvalidRequest(f"malformed push: {_readable(exc)}", [_readable(exc)]) from None
    except msgspec.DecodeError:
        raise InvalidRequest("the body is not valid JSON") from None
    except RecursionError:  # msgspec's guard against a deep nest of arrays or objects
        raise InvalidRequest(TOO_DEEP) from None
    if envelope.protocol != PROTOCOL_VERSION:
        _check_protocol(body)
    if len(envelope.movements) > max_movements:
        raise TooLarge(
            f"{len(envelope.movements)} movements in one push; send at most {max_movements}"
        )
    if envelope.device_time is None:
        raise InvalidRequest("device_time: required (the device clock at the push)")
    try:
        device_time_ms = parse_iso_ms(envelope.device_time)
    except ValueError as exc:
        raise InvalidRequest(f"device_time: {exc}") from None
    if envelope.pending is not None and not 0 <= envelope.pending <= MAX_PENDING:
        raise InvalidRequest(
            f"pending: the number of movements queued on the device, 0 to {MAX_PENDING:,}"
        )
    movements = [decode_movement(i, raw) for i, raw in enumerate(envelope.movements)]
    return PushRequest(
        device_id=envelope.device_id,
        epoch=envelope.epoch,
        device_time_ms=device_time_ms,
        movements=movements,
        # shown on the fleet page; one longer than registration allows (or with a
        # NUL) is dropped (the last one kept), never refused: that would stop the
        # device's queue
        app_version=_short(envelope.app_version, MAX_APP_VERSION),
        pending=envelope.pending,
        oldest_pending_at=_readable_time(envelope.oldest_pending_at),
    )


def _short(text: str | None, limit: int) -> str | None:
    """``text`` if it fits in ``limit`` and holds no NUL, else None."""
    return text if text is None or (len(text) <= limit and "\x00" not in text) else None


def _readable_time(text: str | None) -> str | None:
    """``text`` if the server can read it as a time, else None.

    ``oldest_pending_at`` is the ``recorded_at`` of the device's oldest queued
    movement, kept for the fleet page.  A bad one is dropped, never refused:
    that movement is rejected on its own, and refusing the push would keep
    it queued for ever.
    """
    if text is None:
        return None
    try:
        parse_iso_ms(text)
    except ValueError:
        return None
    return text


# Which locations each kind needs: (from, to); "opt" = optional with a default.
_PLACES: dict[str, tuple[str, str]] = {
    "receive": ("no", "yes"),
    "putaway": ("yes", "yes"),
    "transfer": ("yes", "yes"),
    "pick": ("yes", "opt"),
    "pack": ("yes", "opt"),
    "ship": ("yes", "no"),
    "return": ("no", "yes"),
    "adjust": ("opt", "opt"),
    "scrap": ("yes", "no"),
    "count": ("opt", "opt"),
}


# A UUID already in its canonical form (what devices send) needs no parsing.
_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _canonical_uuid(text: str) -> str:
    """``text`` as a canonical UUID; ValueError if it is not a UUID."""
    if _CANONICAL_UUID.fullmatch(text):
        return text
    return str(uuid.UUID(text))


def _texts(m: WireMovement) -> list[tuple[str, str]]:
    """Every text a movement carries, by the name its message gives it."""
    fields = [("user", m.user), ("item", m.item), ("lot", m.lot), ("serial", m.serial),
              ("expiry", m.expiry), ("from", m.from_), ("to", m.to), ("note", m.note),
              ("reason", m.reason), ("condition", m.condition)]  # fmt: skip
    if m.ref is not None:
        fields += [("ref.order_line", m.ref.order_line), ("ref.task", m.ref.task),
                   ("ref.rma", m.ref.rma), ("ref.count_task", m.ref.count_task)]  # fmt: skip
    return [(name, value) for name, value in fields if value is not None]


def validate(m: WireMovement, payload: str | None = None) -> Invalid | None:
    """The first thing wrong with a decoded movement, or None.  ``payload``:
    the JSON it was decoded from, if at hand (a NUL can only arrive as the
    escape ``\\u0000``, so a payload without one needs no look at each text)."""
    if m.kind not in MOVEMENT_KINDS:
        return Invalid(
            "UNKNOWN_KIND", f"kind: {m.kind!r} is not one of {', '.join(MOVEMENT_KINDS)}"
        )
    if not m.user:
        return Invalid("MISSING_FIELD", "user: required (who performed the movement)")
    if not m.recorded_at:
        return Invalid("MISSING_FIELD", "recorded_at: required (the device clock at the scan)")
    try:
        parse_iso_ms(m.recorded_at)
    except ValueError as exc:
        return Invalid("INVALID_FIELD", f"recorded_at: {exc}")
    if not m.item:
        return Invalid("MISSING_FIELD", "item: required (a SKU or a barcode of the item)")
    if m.qty is None:
        return Invalid("MISSING_FIELD", "qty: required")
    if m.kind == "count":
        if m.qty < 0:
            return Invalid("INVALID_QTY", f"qty: a count cannot be negative (got {m.qty})")
    elif m.qty <= 0:
        return Invalid("INVALID_QTY", f"qty: must be more than 0 for {m.kind} (got {m.qty})")
    if m.qty > MAX_QTY:
        return Invalid("INVALID_QTY", f"qty: {m.qty} is beyond any real quantity")
    if m.basis is not None and m.basis < 0:
        return Invalid("INVALID_FIELD", "basis: must be 0 or more")
    if payload is None or "\\u0000" in payload:
        for name, text in _texts(m):
            if "\x00" in text:  # no scanner types one; SQLite's length() stops at it
                return Invalid("INVALID_FIELD", f"{name}: must not contain NUL characters")
    for name, value in (
        ("user", m.user),
        ("item", m.item),
        ("lot", m.lot),
        ("serial", m.serial),
        ("from", m.from_),
        ("to", m.to),
        ("reason", m.reason),
        ("condition", m.condition),
    ):
        if value is not None and len(value) > MAX_TEXT:
            return Invalid("INVALID_FIELD", f"{name}: at most {MAX_TEXT} characters")
    if m.note is not None and len(m.note) > MAX_NOTE:
        return Invalid("INVALID_FIELD", f"note: at most {MAX_NOTE} characters")
    if m.expiry is not None:
        try:
            parse_iso_ms(m.expiry if "T" in m.expiry else m.expiry + "T00:00:00Z")
        except ValueError:
            return Invalid("INVALID_FIELD", f"expiry: {m.expiry!r} is not a date (YYYY-MM-DD)")
    if m.kind == "return" and m.condition is not None and m.condition not in RETURN_CONDITIONS:
        return Invalid("INVALID_FIELD", f"condition: one of {', '.join(RETURN_CONDITIONS)}")
    need_from, need_to = _PLACES[m.kind]
    if need_from == "yes" and not m.from_:
        return Invalid("MISSING_FIELD", f"from: required for {m.kind}")
    if need_to == "yes" and not m.to:
        return Invalid("MISSING_FIELD", f"to: required for {m.kind}")
    if m.kind == "adjust" and bool(m.from_) == bool(m.to):
        return Invalid(
            "MISSING_FIELD", "adjust: give exactly one of from (to take away) or to (to add)"
        )
    if m.kind == "count" and not (m.from_ or m.to):
        return Invalid("MISSING_FIELD", "count: give the counted location in to (or from)")
    if m.kind == "count" and m.from_ and m.to and m.from_ != m.to:
        return Invalid("INVALID_FIELD", "count: from and to name different locations")
    if m.kind in ("adjust", "scrap") and not (m.reason or m.note):
        return Invalid("MISSING_REASON", f"{m.kind}: a reason is required (reason or note)")
    return None
