"""Reading back: ``GET /api/movements/{id}`` and ``GET /api/stock``.

Both take a device token or a logged-in session (any role).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response
from server.auth import ANY_ROLE, allow
from sync.readback import get_movement, get_stock

__all__ = ["routes"]


@allow(*ANY_ROLE, device=True)
async def movement_view(request: Request) -> Response:
    movement_id: str = request.path_params["movement_id"]
    movement = await request.app.state.store.aread(get_movement, movement_id)
    return json_response(movement)


@allow(*ANY_ROLE, device=True)
async def stock_view(request: Request) -> Response:
    query = request.query_params
    stock = await request.app.state.store.aread(
        get_stock,
        item=query.get("item") or None,
        location=query.get("location") or None,
        lot=query.get("lot") or None,
    )
    return json_response(stock)


routes = [
    Route("/api/movements/{movement_id}", movement_view, methods=["GET"], name="movement"),
    Route("/api/stock", stock_view, methods=["GET"], name="stock_json"),
]
