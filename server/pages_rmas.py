"""Staff pages for the way back: make an RMA from an order's shipped lines,
record its refund, mark a shipment delivered by hand.

Supervisors and admins write (as the JSON API allows); anyone logged in may
read an RMA.  Every form carries the session's CSRF token; the RMA form also
carries a reference made when it was shown, so sending it twice makes one
RMA.  Problems are shown next to what they are about.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.auth import ANY_ROLE, allow, check_csrf
from server.errors import status_of
from server.pages import posted_form
from server.pages import render_page as render
from server.pages_orders import show_order
from sync.errors import NotFound, ShelfsyncError
from sync.ids import parse_number
from sync.order_returns import returnable_lines
from sync.rmas import create_rma, get_rma, make_exchange, set_refund
from sync.shipping import deliver_by_hand, get_shipment

__all__ = ["routes"]

MANAGERS = ("supervisor", "admin")


def _not_found(request: Request, exc: NotFound) -> Response:
    return render(request, "error.html", {"status": 404, "title": "Not Found",
                                          "message": exc.message}, status_code=404)  # fmt: skip


def _read_rma_form(
    form: FormData, lines: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, str], list[dict[str, Any]]]:
    """(the values as typed, {field: problem}, the RMA's lines)."""
    values: dict[str, Any] = {
        "reason": str(form.get("reason") or "").strip(),
        "exchange": form.get("exchange") == "yes",
        "request_ref": str(form.get("request_ref") or ""),
        "qty": {},
    }
    errors: dict[str, str] = {}
    wanted = []
    for n, line in enumerate(lines, 1):
        typed = str(form.get(f"qty_{n}") or "").strip()
        values["qty"][n] = typed
        if not typed or typed == "0":
            continue
        qty = parse_number(typed)
        if qty is None:
            errors[f"qty_{n}"] = "a whole number, 0 or more"
        elif qty > line["returnable"]:
            errors[f"qty_{n}"] = (
                f"at most {line['returnable']}: {line['shipped']} shipped,"
                f" {line['taken']} already returned or authorised"
            )
        else:
            wanted.append({"line": line["line"], "qty": qty})
    if not values["reason"]:
        errors["reason"] = "say why the customer returns it"
    if not wanted and not errors:
        errors["form"] = "enter how many come back of at least one line"
    return values, errors, wanted


def _place(problems: list[str], lines: list[dict[str, Any]], errors: dict[str, str]) -> None:
    """The domain's problems (``SO-5/1: …``, ``reason: …``) next to their fields."""
    for problem in problems:
        field, _, message = problem.partition(": ")
        rows = [n for n, line in enumerate(lines, 1) if line["line"] == field]
        if rows:
            errors.setdefault(f"qty_{rows[0]}", message)
        elif field == "reason":
            errors.setdefault("reason", message)
        else:
            errors.setdefault("form", problem)


@allow(*MANAGERS)
async def rma_form_page(request: Request) -> Response:
    number = request.path_params["number"]
    store = request.app.state.store
    try:
        lines = await store.aread(returnable_lines, number)
    except NotFound as exc:
        return _not_found(request, exc)
    values: dict[str, Any] = {"reason": "", "exchange": False, "qty": {},
                              "request_ref": "rma-" + secrets.token_urlsafe(12)}  # fmt: skip
    errors: dict[str, str] = {}
    status_code = 200
    if request.method == "POST":
        form = await posted_form(request)
        check_csrf(request, form.get("csrf"))
        values, errors, wanted = _read_rma_form(form, lines)
        if not errors:
            by_user = request.state.user.username
            try:
                rma = await store.awrite(create_rma, number, wanted, reason=values["reason"],
                                         by_user=by_user,
                                         request_ref=values["request_ref"] or None)  # fmt: skip
                if values["exchange"]:
                    await store.awrite(make_exchange, rma["number"], by_user=by_user)
                return RedirectResponse(f"/rmas/{rma['number']}", status_code=303)
            except ShelfsyncError as exc:
                _place(exc.errors or [exc.message], lines, errors)
                status_code = status_of(exc)
        status_code = max(status_code, 400)
    context = {"number": number, "lines": lines, "form": values, "errors": errors}
    return render(request, "rma_new.html", context, status_code=status_code)


async def _show_rma(
    request: Request, number: str, error: str | None = None, status_code: int = 200
) -> Response:
    try:
        rma = await request.app.state.store.aread(get_rma, number)
    except NotFound as exc:
        return _not_found(request, exc)
    return render(request, "rma.html", {"rma": rma, "error": error}, status_code=status_code)


@allow(*ANY_ROLE)
async def rma_page(request: Request) -> Response:
    return await _show_rma(request, request.path_params["number"])


@allow(*MANAGERS)
async def refund_page(request: Request) -> Response:
    number = request.path_params["number"]
    form = await posted_form(request)
    check_csrf(request, form.get("csrf"))
    try:
        await request.app.state.store.awrite(set_refund, number, form.get("status"),
                                             by_user=request.state.user.username)  # fmt: skip
    except NotFound as exc:
        return _not_found(request, exc)
    except ShelfsyncError as exc:
        return await _show_rma(request, number, exc.message, status_of(exc))
    return RedirectResponse(f"/rmas/{number}", status_code=303)


@allow(*MANAGERS)
async def delivered_page(request: Request) -> Response:
    number = request.path_params["number"]
    form = await posted_form(request)
    check_csrf(request, form.get("csrf"))
    store = request.app.state.store
    try:
        shipment = await store.aread(get_shipment, number)
    except NotFound as exc:
        return _not_found(request, exc)
    note = str(form.get("note") or "").strip()[:500] or None
    try:
        await store.awrite(deliver_by_hand, number, by_user=request.state.user.username,
                           note=note)  # fmt: skip
    except ShelfsyncError as exc:
        return await show_order(request, shipment["order"], exc.message, status_of(exc))
    return RedirectResponse(f"/orders/{shipment['order']}", status_code=303)


routes = [
    Route("/orders/{number}/rma", rma_form_page, methods=["GET", "POST"], name="rma_form"),
    Route("/rmas/{number}", rma_page, methods=["GET"], name="rma_page"),
    Route("/rmas/{number}/refund", refund_page, methods=["POST"], name="rma_refund_page"),
    Route("/shipments/{number}/delivered", delivered_page, methods=["POST"],
          name="shipment_delivered_page"),
]  # fmt: skip
