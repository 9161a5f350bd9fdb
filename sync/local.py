"""Movements made on the server itself: the web UI, the CLI, the demo.

They take the same path as a device's: the server has its own device
identity, gives each movement the next ``seq`` of that device, and merges it
with the same code, inside one write transaction (so two concurrent callers
can never take the same ``seq``).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from .clock import ms_to_iso, now_ms
from .db import write_transaction
from .meta import current_server_seq, server_device_id
from .movement import PushRequest, decode_movement
from .push import run_batch
from .rules import Rules

__all__ = ["post_local", "post_local_within"]

_encode = msgspec.json.Encoder().encode


def post_local(
    conn: sqlite3.Connection,
    movements: Iterable[Mapping[str, Any]],
    *,
    user: str,
    rules: Rules | None = None,
) -> list[dict[str, Any]]:
    """Post movements as the server's own device; returns one result each.

    Each mapping is a protocol movement without ``id``, ``seq``, ``basis``,
    ``user`` and ``recorded_at``, which are filled in (an ``id`` given is kept).
    """
    with write_transaction(conn):
        return post_local_within(conn, movements, user=user, rules=rules)


def post_local_within(
    conn: sqlite3.Connection,
    movements: Iterable[Mapping[str, Any]],
    *,
    user: str,
    rules: Rules | None = None,
) -> list[dict[str, Any]]:
    """``post_local`` inside the caller's write transaction (with other writes
    that must commit together with these movements, e.g. a resolution)."""
    now = now_ms()
    device_id = server_device_id(conn)
    last_seq = conn.execute("SELECT last_seq FROM devices WHERE id = ?", (device_id,)).fetchone()[0]
    basis = current_server_seq(conn)
    incoming = []
    for index, fields in enumerate(movements):
        wire = {
            "id": str(uuid.uuid4()),
            "user": user,
            "recorded_at": ms_to_iso(now),
            **fields,
            "seq": last_seq + 1 + index,
            "basis": basis,
        }
        incoming.append(decode_movement(index, _encode(wire)))
    request = PushRequest(device_id, None, now, incoming)
    response = run_batch(conn, request, rules or Rules(), now)
    return list(response["results"])
