"""Orders over JSON: create (idempotent by channel and reference), read, cancel.

Orders that arrive together are created in one write transaction, set-based
(``server.order_batcher``); many orders in one request go to
``POST /api/orders/batch`` (``server.api_order_batch``).

``POST /api/orders`` answers 201 with the order when it is made, 200 with the
same order when the channel's reference was already used for identical
content (a retried webhook), and 409 when it was used for another order.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import MAX_PUSH_BYTES, json_response, read_body, read_json
from server.auth import ANY_ROLE, allow
from sync.errors import InvalidRequest
from sync.orders import cancel_order, decode_order, get_order

__all__ = ["routes"]

MANAGERS = ("supervisor", "admin")


@allow(*MANAGERS)
async def create_view(request: Request) -> Response:
    order = decode_order(await read_body(request, MAX_PUSH_BYTES))
    made, created = await request.app.state.orders.create(order, request.state.user.username)
    return json_response(made, status_code=201 if created else 200)


@allow(*ANY_ROLE)
async def read_view(request: Request) -> Response:
    order = await request.app.state.store.aread(get_order, request.path_params["number"])
    return json_response(order)


@allow(*MANAGERS)
async def cancel_view(request: Request) -> Response:
    body: dict[str, Any] = await read_json(request)
    reason = body.get("reason")
    if not isinstance(reason, str):
        raise InvalidRequest("reason: say why the order is cancelled")
    order = await request.app.state.store.awrite(
        cancel_order,
        request.path_params["number"],
        by_user=request.state.user.username,
        reason=reason,
    )
    return json_response(order)


routes = [
    Route("/api/orders", create_view, methods=["POST"], name="order_create"),
    Route("/api/orders/{number}", read_view, methods=["GET"], name="order"),
    Route("/api/orders/{number}/cancel", cancel_view, methods=["POST"], name="order_cancel"),
]
