"""Waves and pick lists: build a wave, assign a list to a picker, read a list."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_json
from server.auth import ANY_ROLE, allow
from sync.errors import InvalidRequest
from sync.waves import assign_pick_list, build_wave, get_pick_list

__all__ = ["routes"]

MANAGERS = ("supervisor", "admin")


def _whole(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidRequest(f"{name}: a whole number")
    return value


@allow(*MANAGERS)
async def wave_view(request: Request) -> Response:
    body = await read_json(request)
    lists = await request.app.state.store.awrite(
        build_wave,
        by_user=request.state.user.username,
        max_orders=_whole(body, "max_orders", 50),
        orders_per_list=_whole(body, "orders_per_list", 10),
    )
    return json_response({"pick_lists": lists}, status_code=201 if lists else 200)


@allow(*MANAGERS)
async def assign_view(request: Request) -> Response:
    body = await read_json(request)
    username = body.get("username")
    if not isinstance(username, str) or not username:
        raise InvalidRequest("username: the picker to give the list to")
    pick_list = await request.app.state.store.awrite(
        assign_pick_list, request.path_params["number"], username
    )
    return json_response(pick_list)


@allow(*ANY_ROLE)
async def list_view(request: Request) -> Response:
    pick_list = await request.app.state.store.aread(get_pick_list, request.path_params["number"])
    return json_response(pick_list)


routes = [
    Route("/api/waves", wave_view, methods=["POST"], name="wave"),
    Route("/api/pick-lists/{number}", list_view, methods=["GET"], name="pick_list"),
    Route("/api/pick-lists/{number}/assign", assign_view, methods=["POST"], name="pick_assign"),
]
