"""HMAC-SHA256 webhook signatures in Stripe's documented scheme.

The header is ``t=<unix seconds>,v1=<hex HMAC-SHA256>``, where the HMAC is
computed with the shared secret over the bytes ``<t>.<raw body>``.  A header
may carry several ``v1=`` values (while a secret is being rotated); one that
matches is enough.  A timestamp further than ``tolerance`` seconds from now
is refused, so a captured request cannot be replayed later.

Used every way: to check the payment provider's and the carrier's webhooks
(the carrier documents the same scheme) and to sign ours.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from .errors import AuthError
from .ids import parse_number

__all__ = ["sign", "signature_header", "verify"]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``<timestamp>.<body>`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for ``body``: ``t=…,v1=…``."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={sign(secret, t, body)}"


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    tolerance: int,
    now: float | None = None,
    webhook: str = "payment webhooks",
    error: type[AuthError] = AuthError,
) -> int:
    """Check ``header`` against ``body``; returns its timestamp.

    Raises ``error`` (an AuthError: nothing to be done with the request) for a
    missing secret, a missing or malformed header, a timestamp outside the
    window, or no matching ``v1``.  ``webhook`` names what is refused when no
    secret is configured.
    """
    if not secret:
        raise error(f"{webhook} are not configured on this server (no secret)")
    if not header:
        raise error("missing signature header")
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and (number := parse_number(value)) is not None:
            timestamp = number
        elif key == "v1" and value:
            signatures.append(value.strip())
    if timestamp is None or not signatures:
        raise error("malformed signature header: expected t=<unix time>,v1=<hex HMAC>")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise error(
            f"signature timestamp is {int(current - timestamp)} s from the server's clock;"
            f" at most {tolerance} s is accepted"
        )
    expected = sign(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise error("signature does not match the body")
    return timestamp
