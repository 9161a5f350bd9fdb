"""``POST /api/sync/push`` and ``POST /api/sync/pull``: device token only.

Thin: cap and read the body, decode, check the token belongs to the claimed
device, call the sync function, encode.  A push runs on the single writer
connection (under its lock); a pull on a reader, and the time of the pull is
noted after the answer has gone out.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import MAX_PUSH_BYTES, MAX_SMALL_BODY, json_response, read_body
from server.auth import allow
from server.database import Store
from sync.allocation import has_backorders
from sync.clock import now_ms
from sync.db import is_transient
from sync.errors import DeviceRefused, TransientStoreError
from sync.orders import allocate_backorders
from sync.pull import decode_pull, mark_pulled, pull
from sync.push import PushRequest, decode_push, push_in_transaction
from sync.rules import Rules

__all__ = ["routes"]

log = logging.getLogger("shelfsync.server")


@allow(device=True)
async def push_view(request: Request) -> Response:
    body = await read_body(request, MAX_PUSH_BYTES)
    push_request = decode_push(body)
    _same_device(request, push_request.device_id)
    store = request.app.state.store
    # revocation is checked again inside the write transaction; pushes that arrive
    # together commit together (Store.group)
    rules = request.app.state.rules
    result, waiting = await store.agroup(_push, push_request, rules, now_ms())
    response = json_response(result)
    posted = [
        r["server_seq"]
        for r in result["results"]
        if r["outcome"] in ("applied", "flagged") and not r["replayed"]
    ]
    if posted and waiting:
        response.background = BackgroundTask(_allocate_backorders, store, min(posted) - 1)
    return response


@allow(device=True)
async def pull_view(request: Request) -> Response:
    body = await read_body(request, MAX_SMALL_BODY)
    pull_request = decode_pull(body)
    _same_device(request, pull_request.device_id)
    store = request.app.state.store
    result = await store.aread(pull, pull_request, request.app.state.settings.pull_max_limit)
    response = json_response(result)
    response.background = BackgroundTask(_note_pull, store, pull_request.device_id)
    return response


def _same_device(request: Request, device_id: str) -> None:
    """The guard authenticated the token; it must be the claimed device's."""
    if request.state.device.id != device_id:
        raise DeviceRefused("this token belongs to another device")


def _push(
    conn: sqlite3.Connection, push_request: PushRequest, rules: Rules, received_ms: int
) -> tuple[dict[str, Any], bool]:
    """The push, and whether any order waits for stock: asked on the writer, in
    the push's transaction, so a push with no backorder waiting needs no second
    trip through the thread pool after answering."""
    return push_in_transaction(conn, push_request, rules, received_ms), has_backorders(conn)


def _allocate_backorders(store: Store, since_seq: int) -> None:
    """Stock that arrived may fill backorders; after answering, best effort
    (a backorder not filled now is filled by the next arrival)."""
    try:
        store.write(allocate_backorders, since_seq, by_user="system")
    except TransientStoreError:
        log.warning("backorders not allocated this time: the database was busy")


def _note_pull(store: Store, device_id: str) -> None:
    """Record when the device last pulled, after answering; best effort."""
    try:
        store.write(mark_pulled, device_id)
    except sqlite3.OperationalError as exc:
        if not is_transient(exc):  # locked or busy: skip this once
            raise


routes = [
    Route("/api/sync/push", push_view, methods=["POST"], name="sync_push"),
    Route("/api/sync/pull", pull_view, methods=["POST"], name="sync_pull"),
]
