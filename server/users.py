"""People who log in: the ``users`` table, with Argon2 password hashes.

Every function takes the connection (and, optionally, the password hasher)
as arguments.  Writes are single statements, atomic on their own; run them
inside a caller's write transaction when they belong with other writes.
Invalid input raises :class:`~sync.errors.InvalidRequest`; a name already
taken raises :class:`~sync.errors.Conflict`; an unknown user
:class:`~sync.errors.NotFound`.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from contextlib import suppress
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync.audit import record
from sync.clock import iso_now
from sync.errors import Conflict, InvalidRequest, NotFound
from sync.kinds import ROLES

__all__ = [
    "User",
    "DEFAULT_HASHER",
    "MIN_PASSWORD_LENGTH",
    "add_user",
    "get_user",
    "find_user",
    "list_users",
    "check_password",
    "set_role",
    "set_password",
    "set_active",
]

DEFAULT_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"[A-Za-z0-9._-]{1,50}")
_COLUMNS = "id, username, role, active, created_at"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    active: bool
    created_at: str


def _user(row: sqlite3.Row) -> User:
    return User(row["id"], row["username"], row["role"], bool(row["active"]), row["created_at"])


def _check_username(username: object) -> str:
    if not isinstance(username, str) or not _USERNAME.fullmatch(username):
        raise InvalidRequest(
            "username: 1 to 50 characters, letters, digits, '.', '_' or '-' (e.g. ana.k)"
        )
    return username


def _check_role(role: object) -> str:
    if role not in ROLES:
        raise InvalidRequest(f"role: one of {', '.join(ROLES)}, not {role!r}")
    return str(role)


def _check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidRequest(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    return password


def add_user(
    conn: sqlite3.Connection,
    username: str,
    role: str,
    password: str,
    *,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> User:
    """Make a user.  ``Conflict`` if the name is taken."""
    _check_username(username)
    _check_role(role)
    password_hash = hasher.hash(_check_password(password))
    try:
        row = conn.execute(
            "INSERT INTO users(username, role, password_hash, created_at) VALUES (?, ?, ?, ?)"
            f" RETURNING {_COLUMNS}",
            (username, role, password_hash, iso_now()),
        ).fetchone()
    except sqlite3.IntegrityError:
        raise Conflict(f"username {username!r} is already taken") from None
    record(conn, "user_added", username=username, detail={"role": role})
    return _user(row)


def get_user(conn: sqlite3.Connection, user_id: int) -> User | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = ?", (user_id,)).fetchone()
    return None if row is None else _user(row)


def find_user(conn: sqlite3.Connection, username: str) -> User | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE username = ?", (username,)).fetchone()
    return None if row is None else _user(row)


def list_users(conn: sqlite3.Connection) -> list[User]:
    return [_user(r) for r in conn.execute(f"SELECT {_COLUMNS} FROM users ORDER BY username")]


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def check_password(
    conn: sqlite3.Connection,
    username: object,
    password: object,
    *,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> User | None:
    """The active user with this name and password, or None.

    An unknown name costs the same Argon2 verify as a wrong password, so the
    answer's timing does not tell which names exist.  A hash made with older
    parameters is upgraded on a successful login (best effort).
    """
    if not isinstance(username, str) or not isinstance(password, str):
        return None
    row = conn.execute(
        f"SELECT {_COLUMNS}, password_hash FROM users WHERE username = ?", (username,)
    ).fetchone()
    stored = row["password_hash"] if row is not None else _dummy_hash(hasher)
    try:
        hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or not row["active"]:
        return None
    if hasher.check_needs_rehash(stored):
        with suppress(sqlite3.OperationalError):  # busy: upgrade on a later login
            conn.execute(
                "UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?",
                (hasher.hash(password), row["id"], stored),
            )
    return _user(row)


def set_role(
    conn: sqlite3.Connection, username: str, role: str, *, actor: str | None = None
) -> None:
    _check_role(role)
    before = find_user(conn, username)
    _update(conn, username, "role = ?", role)
    if before is not None and before.role != role:
        record(conn, "role_changed", username=username, actor=actor,
               detail={"from": before.role, "to": role})  # fmt: skip


def set_password(
    conn: sqlite3.Connection,
    username: str,
    password: str,
    *,
    hasher: PasswordHasher = DEFAULT_HASHER,
) -> None:
    _update(conn, username, "password_hash = ?", hasher.hash(_check_password(password)))


def set_active(conn: sqlite3.Connection, username: str, active: bool) -> None:
    _update(conn, username, "active = ?", 1 if active else 0)


def _update(conn: sqlite3.Connection, username: str, assignment: str, value: object) -> None:
    cur = conn.execute(f"UPDATE users SET {assignment} WHERE username = ?", (value, username))
    if cur.rowcount == 0:
        raise NotFound(f"no user {username!r}")
