"""The server's VAPID key pair for web push, made once and kept in the database.

Made by ``shelfsync init`` or on the first start; never printed or logged.
The public key (the browser's ``applicationServerKey``) is served by
``GET /api/push/vapid-public-key``.
"""

from __future__ import annotations

import base64
import sqlite3

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

from sync.meta import get_meta, set_meta

__all__ = ["ensure_vapid_keys", "vapid_public_key", "vapid_signer"]

_PRIVATE, _PUBLIC = "vapid_private_key", "vapid_public_key"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def ensure_vapid_keys(conn: sqlite3.Connection) -> bool:
    """Make the key pair if the database has none; True if it was made.  In a write
    transaction."""
    if get_meta(conn, _PRIVATE) is not None:
        return False
    vapid = Vapid02()
    vapid.generate_keys()
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    set_meta(conn, _PRIVATE, _b64(private))
    set_meta(conn, _PUBLIC, _b64(public))
    return True


def vapid_public_key(conn: sqlite3.Connection) -> str | None:
    return get_meta(conn, _PUBLIC)


def vapid_signer(conn: sqlite3.Connection) -> Vapid02 | None:
    private = get_meta(conn, _PRIVATE)
    return None if private is None else Vapid02.from_string(private)
