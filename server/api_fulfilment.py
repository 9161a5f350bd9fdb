"""Pack and ship over JSON: cartons, shipments, delivery by hand, tracking links.

Packing and shipping are station work: any logged-in role.  Marking a
shipment delivered by hand and making a new tracking link are for
supervisors and admins.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_json
from server.auth import ANY_ROLE, allow
from sync.errors import InvalidRequest
from sync.packing import close_carton, get_carton, open_carton, pack_item, packing_state
from sync.shipping import deliver_by_hand, get_shipment, ship_cartons
from sync.tracking import new_link

__all__ = ["routes", "tracking_url"]

MANAGERS = ("supervisor", "admin")


def tracking_url(request: Request, token: str | None) -> str | None:
    return None if token is None else str(request.url_for("track_page", token=token))


def _optional_text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidRequest(f"{name}: text")
    return value or None


@allow(*ANY_ROLE)
async def open_carton_view(request: Request) -> Response:
    body = await read_json(request)
    carton = await request.app.state.store.awrite(
        open_carton,
        request.path_params["number"],
        station=_optional_text(body, "station"),
        by_user=request.state.user.username,
    )
    return json_response(carton, status_code=201)


@allow(*ANY_ROLE)
async def packing_view(request: Request) -> Response:
    state = await request.app.state.store.aread(packing_state, request.path_params["number"])
    return json_response(state)


@allow(*ANY_ROLE)
async def carton_view(request: Request) -> Response:
    carton = await request.app.state.store.aread(get_carton, request.path_params["number"])
    return json_response(carton)


@allow(*ANY_ROLE)
async def pack_item_view(request: Request) -> Response:
    body = await read_json(request)
    item = body.get("item")
    if not isinstance(item, str) or not item:
        raise InvalidRequest("item: the SKU or barcode scanned")
    carton = await request.app.state.store.awrite(
        pack_item,
        request.path_params["number"],
        item=item,
        qty=body.get("qty", 1),
        lot=_optional_text(body, "lot"),
        by_user=request.state.user.username,
        rules=request.app.state.rules,
    )
    return json_response(carton)


@allow(*ANY_ROLE)
async def close_carton_view(request: Request) -> Response:
    body = await read_json(request)
    carton = await request.app.state.store.awrite(
        close_carton,
        request.path_params["number"],
        weight_kg=body.get("weight_kg"),
        by_user=request.state.user.username,
    )
    return json_response(carton)


@allow(*ANY_ROLE)
async def ship_view(request: Request) -> Response:
    body = await read_json(request)
    cartons = body.get("cartons")
    if cartons is not None and not (
        isinstance(cartons, list) and all(isinstance(c, str) for c in cartons)
    ):
        raise InvalidRequest("cartons: a list of carton numbers, or leave it out for all")
    shipment = await request.app.state.store.awrite(
        ship_cartons,
        request.path_params["number"],
        carrier=body.get("carrier"),
        service=body.get("service"),
        tracking_number=body.get("tracking_number"),
        cartons=cartons,
        by_user=request.state.user.username,
        rules=request.app.state.rules,
    )
    token = shipment.pop("tracking_token")
    shipment["tracking_url"] = tracking_url(request, token)
    return json_response(shipment, status_code=201)


@allow(*ANY_ROLE)
async def shipment_view(request: Request) -> Response:
    shipment = await request.app.state.store.aread(get_shipment, request.path_params["number"])
    return json_response(shipment)


@allow(*MANAGERS)
async def delivered_view(request: Request) -> Response:
    body = await read_json(request)
    shipment = await request.app.state.store.awrite(
        deliver_by_hand,
        request.path_params["number"],
        by_user=request.state.user.username,
        note=_optional_text(body, "note"),
    )
    return json_response(shipment)


@allow(*MANAGERS)
async def tracking_link_view(request: Request) -> Response:
    token = await request.app.state.store.awrite(
        new_link, request.path_params["number"], by_user=request.state.user.username
    )
    return json_response({"tracking_url": tracking_url(request, token)}, status_code=201)


routes = [
    Route("/api/orders/{number}/packing", packing_view, methods=["GET"], name="packing"),
    Route("/api/orders/{number}/cartons", open_carton_view, methods=["POST"], name="carton_open"),
    Route("/api/cartons/{number}", carton_view, methods=["GET"], name="carton"),
    Route("/api/cartons/{number}/items", pack_item_view, methods=["POST"], name="carton_pack"),
    Route("/api/cartons/{number}/close", close_carton_view, methods=["POST"], name="carton_close"),
    Route("/api/orders/{number}/shipments", ship_view, methods=["POST"], name="ship"),
    Route("/api/shipments/{number}", shipment_view, methods=["GET"], name="shipment"),
    Route(
        "/api/shipments/{number}/delivered",
        delivered_view,
        methods=["POST"],
        name="shipment_delivered",
    ),
    Route(
        "/api/orders/{number}/tracking-link",
        tracking_link_view,
        methods=["POST"],
        name="tracking_link",
    ),
]
