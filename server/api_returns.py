"""Returns over JSON: RMAs, receiving returned goods, refunds, exchanges.

Authorising a return, its refund and an exchange are for supervisors and
admins; receiving goods at the returns desk is any logged-in role.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_json
from server.auth import ANY_ROLE, allow
from sync.errors import InvalidRequest
from sync.returns import receive_return
from sync.rmas import create_rma, get_rma, make_exchange, set_refund

__all__ = ["routes"]

MANAGERS = ("supervisor", "admin")


@allow(*MANAGERS)
async def create_view(request: Request) -> Response:
    body = await read_json(request)
    order = body.get("order")
    if not isinstance(order, str):
        raise InvalidRequest("order: the order's number, e.g. SO-55")
    rma = await request.app.state.store.awrite(
        create_rma,
        order,
        body.get("lines"),
        reason=body.get("reason"),
        by_user=request.state.user.username,
    )
    if body.get("exchange") is True:
        rma = await request.app.state.store.awrite(
            make_exchange, rma["number"], by_user=request.state.user.username
        )
    return json_response(rma, status_code=201)


@allow(*ANY_ROLE)
async def read_view(request: Request) -> Response:
    rma = await request.app.state.store.aread(get_rma, request.path_params["number"])
    return json_response(rma)


@allow(*ANY_ROLE)
async def receive_view(request: Request) -> Response:
    body = await read_json(request)
    rma, location = body.get("rma"), body.get("location")
    if rma is not None and not isinstance(rma, str):
        raise InvalidRequest("rma: the RMA's number, or null for a return without one")
    if location is not None and not isinstance(location, str):
        raise InvalidRequest("location: a returns or quarantine location code")
    answer = await request.app.state.store.awrite(
        receive_return,
        rma=rma,
        lines=body.get("lines"),
        location=location,
        by_user=request.state.user.username,
        rules=request.app.state.rules,
    )
    return json_response(answer, status_code=201)


@allow(*MANAGERS)
async def refund_view(request: Request) -> Response:
    body = await read_json(request)
    rma = await request.app.state.store.awrite(
        set_refund,
        request.path_params["number"],
        body.get("status"),
        by_user=request.state.user.username,
    )
    return json_response(rma)


@allow(*MANAGERS)
async def exchange_view(request: Request) -> Response:
    rma = await request.app.state.store.awrite(
        make_exchange, request.path_params["number"], by_user=request.state.user.username
    )
    return json_response(rma)


routes = [
    Route("/api/rmas", create_view, methods=["POST"], name="rma_create"),
    Route("/api/rmas/{number}", read_view, methods=["GET"], name="rma"),
    Route("/api/rmas/{number}/refund", refund_view, methods=["POST"], name="rma_refund"),
    Route("/api/rmas/{number}/exchange", exchange_view, methods=["POST"], name="rma_exchange"),
    Route("/api/returns", receive_view, methods=["POST"], name="returns_receive"),
]
