"""Staff pages for orders: the list, one order (with a cancel form for managers),
and the phone / in-store order form.

``/orders/new`` is for orders taken on the phone or at the counter
(supervisor, admin).  Items are typed or scanned by SKU or barcode.  The
form carries the session's CSRF token and a reference made when the form was
shown, so a form sent twice (a double tap, a resend) makes one order.
Problems are shown next to the fields they are about.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

import msgspec
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.auth import ANY_ROLE, allow, check_csrf
from server.errors import status_of
from server.pages import posted_form
from server.pages import render_page as render
from sync.errors import InvalidRequest, NotFound, ShelfsyncError
from sync.ids import parse_number
from sync.kinds import ORDER_STATUSES, PAYMENT_STATUSES
from sync.order_list import SORTS, list_orders
from sync.order_returns import order_extras
from sync.orders import OrderIn, cancel_order, check_order, create_order, get_order, order_tasks
from sync.payments import payment_history

__all__ = ["routes", "show_order", "FORM_LINES", "FORM_CHANNELS"]

MANAGERS = ("supervisor", "admin")
FORM_LINES = 6
FORM_CHANNELS = ("phone", "store")
_ADDRESS = ("name", "line1", "line2", "city", "postcode", "country", "phone")
_FIELD = re.compile(r"^(?P<field>[a-z0-9_.]+)(\[(?P<n>\d+)\]\.(?P<sub>[a-z]+))?: ")


@allow(*ANY_ROLE)
async def list_page(request: Request) -> Response:
    query = {k: (request.query_params.get(k) or "").strip() for k in ("status", "channel")}
    query["sort"] = request.query_params.get("sort") or "urgent"
    error, rows, status_code = None, [], 200
    try:
        rows = await request.app.state.store.aread(list_orders, **query)
    except InvalidRequest as exc:
        error, status_code = exc.message, status_of(exc)
    context = {"query": query, "orders": rows, "error": error, "statuses": ORDER_STATUSES,
               "sorts": list(SORTS)}  # fmt: skip
    return render(request, "orders.html", context, status_code=status_code)


def _detail(conn: Any, number: str) -> dict[str, Any]:
    return {"order": get_order(conn, number), "tasks": order_tasks(conn, number),
            "payments": payment_history(conn, number), **order_extras(conn, number)}  # fmt: skip


@allow(*ANY_ROLE)
async def detail_page(request: Request) -> Response:
    return await show_order(request, request.path_params["number"])


async def show_order(
    request: Request,
    number: str,
    error: str | None = None,
    status_code: int = 200,
    error_for: str | None = None,
) -> Response:
    """The order page, with ``error`` shown at the top (or in the form ``error_for``)."""
    try:
        context = await request.app.state.store.aread(_detail, number)
    except NotFound as exc:
        return render(request, "error.html", {"status": 404, "title": "Not Found",
                                              "message": exc.message}, status_code=404)  # fmt: skip
    context["error"], context["error_for"] = error, error_for
    return render(request, "order.html", context, status_code=status_code)


@allow(*MANAGERS)
async def cancel_page(request: Request) -> Response:
    form = await posted_form(request)
    check_csrf(request, form.get("csrf"))
    number = request.path_params["number"]
    try:
        await request.app.state.store.awrite(
            cancel_order, number, by_user=request.state.user.username,
            reason=str(form.get("reason") or ""),
        )  # fmt: skip
    except ShelfsyncError as exc:
        return await show_order(request, number, exc.message, status_of(exc), "cancel")
    return RedirectResponse(f"/orders/{number}", status_code=303)


def _blank_form() -> dict[str, Any]:
    return {
        "channel": "phone", "customer": "", "priority": "5", "requested_date": "",
        "payment_status": "pending", "external_ref": "form-" + secrets.token_urlsafe(12),
        **{f"ship_{k}": "" for k in _ADDRESS},
        "lines": [{"item": "", "qty": "1"} for _ in range(FORM_LINES)],
    }  # fmt: skip


def _read_form(form: FormData) -> dict[str, Any]:
    values = _blank_form()
    for key in values:
        if key != "lines" and isinstance(form.get(key), str):
            values[key] = str(form.get(key)).strip()
    values["lines"] = [
        {"item": str(form.get(f"item_{n}") or "").strip(),
         "qty": str(form.get(f"qty_{n}") or "").strip()}
        for n in range(1, FORM_LINES + 1)
    ]  # fmt: skip
    return values


def _to_order(values: dict[str, Any]) -> tuple[OrderIn | None, dict[str, str], list[int]]:
    """(the order, {field: problem}, form row of each order line)."""
    errors: dict[str, str] = {}
    rows, lines = [], []
    for n, line in enumerate(values["lines"], 1):
        if not line["item"]:
            continue
        qty = parse_number(line["qty"])
        if qty is None:
            errors[f"qty_{n}"] = "a whole number, 1 or more"
            continue
        rows.append(n)
        lines.append({"item": line["item"], "qty": qty})
    if not lines and not errors:
        errors["item_1"] = "scan or type at least one item"
    if values["channel"] not in FORM_CHANNELS:
        errors["channel"] = f"one of {', '.join(FORM_CHANNELS)}"
    priority = parse_number(values["priority"])
    if priority is None:
        errors["priority"] = "1 (most urgent) to 9"
    ship_to = {k: values[f"ship_{k}"] or None for k in _ADDRESS}
    for k in ("name", "line1", "city", "postcode", "country"):
        ship_to[k] = ship_to[k] or ""
    raw = {
        "channel": values["channel"], "customer": values["customer"],
        "external_ref": values["external_ref"], "ship_to": ship_to, "lines": lines,
        "priority": 5 if priority is None else priority,
        "requested_date": values["requested_date"] or None,
        "payment_status": values["payment_status"],
    }  # fmt: skip
    order = msgspec.convert(raw, OrderIn)
    for problem in check_order(order):
        _place(problem, errors, rows)
    return (None if errors else order), errors, rows


def _place(problem: str, errors: dict[str, str], rows: list[int]) -> None:
    """Put ``field: message`` next to its form field."""
    match = _FIELD.match(problem)
    message = problem.split(": ", 1)[-1]
    if match is None:
        errors.setdefault("form", problem)
        return
    field = match["field"]
    if field == "lines" and match["n"]:
        n = int(match["n"])
        row = rows[n - 1] if 0 < n <= len(rows) else 1
        errors.setdefault(f"{match['sub']}_{row}", message)
    elif field.startswith("ship_to."):
        errors.setdefault("ship_" + field.removeprefix("ship_to."), message)
    elif field == "lines":
        errors.setdefault("item_1", message)
    else:
        errors.setdefault(field, message)


def _form_context(values: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    return {"form": values, "errors": errors, "channels": FORM_CHANNELS,
            "payments": PAYMENT_STATUSES}  # fmt: skip


@allow(*MANAGERS)
async def form_page(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "orders_new.html", _form_context(_blank_form(), {}))
    form = await posted_form(request)
    check_csrf(request, form.get("csrf"))
    values = _read_form(form)
    order, errors, rows = _to_order(values)
    if order is not None:
        try:
            made, _ = await request.app.state.store.awrite(
                create_order, order, by_user=request.state.user.username
            )
            return RedirectResponse(f"/orders/{made['number']}", status_code=303)
        except ShelfsyncError as exc:
            for problem in exc.errors or [exc.message]:
                _place(problem, errors, rows)
    return render(request, "orders_new.html", _form_context(values, errors), status_code=400)


routes = [
    Route("/orders", list_page, methods=["GET"], name="orders_page"),
    Route("/orders/new", form_page, methods=["GET", "POST"], name="order_form"),
    Route("/orders/{number}", detail_page, methods=["GET"], name="order_page"),
    Route("/orders/{number}/cancel", cancel_page, methods=["POST"], name="order_cancel_page"),
]
