"""Devices: registration, bearer tokens, enrolment codes, revocation.

Tokens and enrolment codes are random and stored only as SHA-256 hashes: a
stolen database does not hand out working tokens.  (Passwords are another
matter — they are low-entropy and hashed with Argon2 by the server.)
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import uuid
from dataclasses import dataclass

from .clock import iso_now, ms_to_iso, now_ms, parse_iso_ms
from .errors import AuthError, DeviceRefused, InvalidRequest, NotFound
from .meta import epoch

__all__ = [
    "Registration",
    "Device",
    "register_device",
    "create_enrolment_code",
    "register_with_enrolment",
    "authenticate",
    "revoke_device",
    "hash_secret",
]


@dataclass(frozen=True)
class Registration:
    device_id: str
    token: str
    epoch: str

    def as_json(self) -> dict[str, str]:
        return {"device_id": self.device_id, "token": self.token, "epoch": self.epoch}


@dataclass(frozen=True)
class Device:
    id: str
    name: str
    username: str | None
    last_seq: int


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidRequest("name: give the device a name, e.g. scanner-07")
    if len(name) > 100:
        raise InvalidRequest("name: at most 100 characters")
    return name.strip()


def register_device(
    conn: sqlite3.Connection, *, name: str, username: str | None, app_version: str | None = None
) -> Registration:
    """Make a new device and its token.  Inside a write transaction."""
    device_id = str(uuid.uuid4())
    token = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO devices(id, name, username, token_hash, created_at, app_version)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (device_id, _clean_name(name), username, hash_secret(token), iso_now(), app_version),
    )
    return Registration(device_id, token, epoch(conn))


def create_enrolment_code(
    conn: sqlite3.Connection, *, created_by: str, ttl_seconds: int = 900
) -> str:
    """A one-time code a supervisor shows as a QR code.  Inside a write transaction."""
    code = secrets.token_urlsafe(16)
    conn.execute(
        "INSERT INTO enrolment_codes(code_hash, created_by, created_at, expires_at)"
        " VALUES (?, ?, ?, ?)",
        (hash_secret(code), created_by, iso_now(), ms_to_iso(now_ms() + ttl_seconds * 1000)),
    )
    return code


def register_with_enrolment(
    conn: sqlite3.Connection, *, name: str, code: str, app_version: str | None = None
) -> Registration:
    """Spend an enrolment code on a new device.  Inside a write transaction."""
    if not isinstance(code, str) or not code:
        raise InvalidRequest("enrolment_code: missing")
    row = conn.execute(
        "SELECT created_by, expires_at, used_at FROM enrolment_codes WHERE code_hash = ?",
        (hash_secret(code),),
    ).fetchone()
    if row is None:
        raise AuthError("enrolment code not recognised")
    if row["used_at"] is not None:
        raise AuthError("enrolment code already used")
    if parse_iso_ms(row["expires_at"]) < now_ms():
        raise AuthError("enrolment code expired: ask a supervisor for a new one")
    registration = register_device(conn, name=name, username=None, app_version=app_version)
    conn.execute(
        "UPDATE enrolment_codes SET used_at = ?, device_id = ? WHERE code_hash = ?",
        (iso_now(), registration.device_id, hash_secret(code)),
    )
    return registration


def authenticate(conn: sqlite3.Connection, token: str | None, device_id: object) -> Device:
    """The device a bearer token belongs to, checked against the claimed id.

    401 (AuthError) for no token or an unknown one; 403 (DeviceRefused) for a
    revoked device or a token used with another device's id.
    """
    if not token:
        raise AuthError("no device token: send Authorization: Bearer <token>")
    row = conn.execute(
        "SELECT id, name, username, last_seq, revoked_at FROM devices WHERE token_hash = ?",
        (hash_secret(token),),
    ).fetchone()
    if row is None:
        raise AuthError("device token not recognised: register the device again")
    if device_id is not None and device_id != row["id"]:
        raise DeviceRefused("this token belongs to another device")
    if row["revoked_at"] is not None:
        raise DeviceRefused("this device has been revoked")
    return Device(row["id"], row["name"], row["username"], row["last_seq"])


def revoke_device(conn: sqlite3.Connection, device_id: str) -> bool:
    """Revoke a device: its token stops working.  Inside a write transaction.

    False when it was revoked already (nothing changes: it keeps its first
    revocation's time).
    """
    cur = conn.execute(
        "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
        (iso_now(), device_id),
    )
    if cur.rowcount:
        return True
    if conn.execute("SELECT 1 FROM devices WHERE id = ?", (device_id,)).fetchone() is None:
        raise NotFound(f"no device {device_id}")
    return False
