"""Staff pages for the packing station (pack, close, ship), the packing slip,
the shipping label, and the customer's public tracking page.

The station page is one form per step; each posts back to the page (with the
session's CSRF token) and calls one domain function.  A refusal is shown with
the form; a success answers 303 back to the page, which tells the result once
(Post/Redirect/Get), so a reload or a phone restoring the tab repeats only the
GET, never the carton or the scan.  The scanner types into the focused field
and presses Enter.
"""

from __future__ import annotations

import re

import zxingcpp
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.api_common import json_response
from server.api_fulfilment import tracking_url
from server.auth import ANY_ROLE, allow, check_csrf, public
from server.errors import status_of
from server.pages import render_page, tell_once, text_fields, told
from sync.errors import InvalidRequest, ShelfsyncError
from sync.ids import parse_number
from sync.orders import get_order
from sync.packing import close_carton, open_carton, pack_item, packing_state, station_queue
from sync.shipping import get_shipment, ship_cartons
from sync.tracking import public_tracking

__all__ = ["routes", "code128_svg"]

_PROLOG = re.compile(r"^.*?(?=<svg)", re.S)


def code128_svg(text: str, *, scale: int = 2) -> str:
    """``text`` as a Code 128 barcode, an inline SVG that scales with its box."""
    svg = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128).to_svg(scale=scale)
    svg = _PROLOG.sub("", svg, count=1)
    size = re.search(r'width="(\d+)" height="(\d+)"', svg)
    if size:
        width, height = size.groups()
        svg = svg.replace("<svg ", f'<svg viewBox="0 0 {width} {height}" role="img" '
                          f'aria-label="Code 128 barcode {text}" ', 1)  # fmt: skip
    return svg


@allow(*ANY_ROLE)
async def pack_start_view(request: Request) -> Response:
    number = (request.query_params.get("order") or "").strip()
    error = None
    if number and "/" not in number:
        return RedirectResponse(request.url_for("pack_page", number=number), status_code=303)
    if number:  # a packing slip's line code, SO-13/1: no page has that name
        order, _, line = number.partition("/")
        error = (
            f"{number} is an order line: scan or type the order number ({order})"
            if order and parse_number(line) is not None  # not isdigit(): it takes "١"
            else f"{number} is not an order number: scan or type one, like SO-13"
        )
    queue = await request.app.state.store.aread(station_queue)
    context = {"queue": queue, "typed": number, "error": error}
    return render_page(request, "pack_start.html", context, status_code=400 if error else 200)


def _whole(value: object, name: str) -> int:
    number = parse_number(str(value).strip())  # not int(): it takes "١", "-3" and 30 digits
    if number is None:
        raise InvalidRequest(f"{name}: a whole number")
    return number


def _kg(value: object) -> float:
    try:
        return float(str(value).replace(",", "."))
    except ValueError:
        raise InvalidRequest("weight: the carton's weight in kg, e.g. 1.25") from None


async def _station_action(request: Request, number: str, form: dict[str, str]) -> str:
    """Do what the submitted form asks; returns what to tell the packer."""
    store, user = request.app.state.store, request.state.user.username
    action = form.get("action")
    if action == "open":
        carton = await store.awrite(open_carton, number, station=form.get("station") or None,
                                    by_user=user)  # fmt: skip
        return f"Carton {carton['number']} opened at {carton['station']}: scan the items."
    if action == "scan":
        qty = _whole(form.get("qty") or "1", "qty")
        item = str(form.get("item") or "").strip()
        if not item:
            raise InvalidRequest("item: scan or type the item's barcode")
        await store.awrite(pack_item, str(form.get("carton")), item=item, qty=qty,
                           lot=form.get("lot") or None, by_user=user,
                           rules=request.app.state.rules)  # fmt: skip
        return f"Packed {qty} × {item} into {form.get('carton')}."
    if action == "close":
        carton = await store.awrite(close_carton, str(form.get("carton")),
                                    weight_kg=_kg(form.get("weight_kg")), by_user=user)  # fmt: skip
        return f"Carton {carton['number']} closed at {carton['weight_kg']} kg."
    if action == "ship":
        shipment = await store.awrite(
            ship_cartons, number, carrier=form.get("carrier"), service=form.get("service"),
            tracking_number=str(form.get("tracking_number") or "").strip(), by_user=user,
            rules=request.app.state.rules,
        )  # fmt: skip
        url = tracking_url(request, shipment["tracking_token"])
        told = f" Customer tracking link (shown once): {url}" if url else ""
        return f"Shipped as {shipment['number']}.{told}"
    raise InvalidRequest("unknown action")


@allow(*ANY_ROLE)
async def pack_page_view(request: Request) -> Response:
    number = request.path_params["number"]
    message, error, status_code = None, None, 200
    if request.method == "POST":
        async with request.form() as form:  # closes a file sent in it
            check_csrf(request, form.get("csrf"))
            try:
                tell_once(request, await _station_action(request, number, text_fields(form)))
                return RedirectResponse(request.url.path, status_code=303)
            except ShelfsyncError as exc:  # nothing done: the page again, with why
                error, status_code = exc.message, status_of(exc)
    else:
        message = told(request)
    state = await request.app.state.store.aread(packing_state, number)
    open_cartons = [c for c in state["cartons"] if c["status"] == "open" and not c["unpacked_at"]]
    context = {"state": state, "open_cartons": open_cartons, "message": message,
               "error": error}  # fmt: skip
    return render_page(request, "pack.html", context, status_code=status_code)


@allow(*ANY_ROLE)
async def slip_view(request: Request) -> Response:
    number = request.path_params["number"]
    store = request.app.state.store
    order = await store.aread(get_order, number)
    state = await store.aread(packing_state, number)
    return render_page(request, "slip.html", {"order": order, "state": state})


@allow(*ANY_ROLE)
async def label_view(request: Request) -> Response:
    store = request.app.state.store
    shipment = await store.aread(get_shipment, request.path_params["number"])
    order = await store.aread(get_order, shipment["order"])
    context = {"shipment": shipment, "order": order,
               "barcode": code128_svg(shipment["tracking_number"])}  # fmt: skip
    return render_page(request, "label_shipping.html", context)


@public
async def track_view(request: Request) -> Response:
    tracking = await request.app.state.store.aread(public_tracking, request.path_params["token"])
    # rendered without the staff session helpers: a customer gets no cookie
    response: Response = request.app.state.templates.TemplateResponse(
        request, "track.html", {"tracking": tracking, "user": None}
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    response.headers["Cache-Control"] = "no-store"
    return response


@public
async def track_json_view(request: Request) -> Response:
    """The tracking link's content as JSON (for a shop's own order page)."""
    tracking = await request.app.state.store.aread(public_tracking, request.path_params["token"])
    response = json_response(tracking)
    response.headers["Cache-Control"] = "no-store"
    return response


routes = [
    Route("/api/track/{token}", track_json_view, methods=["GET"], name="track_json"),
    Route("/pack", pack_start_view, methods=["GET"], name="pack_start"),
    Route("/pack/{number}", pack_page_view, methods=["GET", "POST"], name="pack_page"),
    Route("/slips/{number}", slip_view, methods=["GET"], name="slip"),
    Route("/shipping-labels/{number}", label_view, methods=["GET"], name="shipping_label"),
    Route("/track/{token}", track_view, methods=["GET"], name="track_page"),
]
