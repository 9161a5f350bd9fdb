"""Outbound webhook endpoints (admin): register, list, disable, read deliveries."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_json
from server.auth import allow
from sync.webhook_events import add_endpoint, deliveries, disable_endpoint, list_endpoints

__all__ = ["routes"]


@allow("admin")
async def create_view(request: Request) -> Response:
    body = await read_json(request)
    made = await request.app.state.store.awrite(
        add_endpoint, body.get("url"), body.get("events"), by_user=request.state.user.username
    )
    return json_response(made, status_code=201)


@allow("admin")
async def list_view(request: Request) -> Response:
    return json_response({"endpoints": await request.app.state.store.aread(list_endpoints)})


@allow("admin")
async def deliveries_view(request: Request) -> Response:
    found = await request.app.state.store.aread(deliveries, request.path_params["endpoint"])
    return json_response({"deliveries": found})


@allow("admin")
async def disable_view(request: Request) -> Response:
    found = await request.app.state.store.awrite(disable_endpoint, request.path_params["endpoint"])
    return json_response(found)


routes = [
    Route("/api/webhook-endpoints", create_view, methods=["POST"], name="webhook_create"),
    Route("/api/webhook-endpoints", list_view, methods=["GET"], name="webhook_list"),
    Route(
        "/api/webhook-endpoints/{endpoint}/disable",
        disable_view,
        methods=["POST"],
        name="webhook_disable",
    ),
    Route(
        "/api/webhook-endpoints/{endpoint}/deliveries",
        deliveries_view,
        methods=["GET"],
        name="webhook_deliveries",
    ),
]
