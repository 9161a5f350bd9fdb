"""The returns desk: find an RMA, receive its goods one line at a time.

Each returned line is graded (new, opened, damaged, defective) and given a
disposition (restock to a bin, quarantine, scrap); the form posts back to
the page with the session's CSRF token and calls ``receive_return``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.auth import ANY_ROLE, allow, check_csrf
from server.errors import status_of
from server.pages import render_page
from sync.errors import InvalidRequest, ShelfsyncError
from sync.kinds import RETURN_CONDITIONS, RETURN_DISPOSITIONS
from sync.returns import receive_return
from sync.rmas import get_rma, open_rmas

__all__ = ["routes"]


@allow(*ANY_ROLE)
async def returns_start_view(request: Request) -> Response:
    number = (request.query_params.get("rma") or "").strip()
    if number:
        return RedirectResponse(request.url_for("returns_rma", number=number), status_code=303)
    waiting = await request.app.state.store.aread(open_rmas)
    return render_page(request, "returns.html", {"waiting": waiting})


@allow(*ANY_ROLE)
async def returns_rma_view(request: Request) -> Response:
    number = request.path_params["number"]
    store = request.app.state.store
    message, error, status_code = None, None, 200
    if request.method == "POST":
        form = await request.form()
        check_csrf(request, form.get("csrf"))
        try:
            qty = str(form.get("qty") or "1")
            if not qty.isdigit():
                raise InvalidRequest("qty: a whole number")
            line = {"item": str(form.get("item") or "").strip(), "qty": int(qty),
                    "condition": form.get("condition"), "disposition": form.get("disposition"),
                    "bin": (str(form.get("bin") or "").strip() or None)}  # fmt: skip
            answer = await store.awrite(receive_return, rma=number, lines=[line],
                                        by_user=request.state.user.username,
                                        rules=request.app.state.rules)  # fmt: skip
            [receipt] = answer["receipts"]
            message = f"Received {receipt['qty']} × {receipt['item']}: {receipt['disposition']}."
            if receipt["conflicts"]:
                message += f" Flagged for a supervisor: {receipt['message']}"
        except ShelfsyncError as exc:
            error, status_code = exc.message, status_of(exc)
    rma = await store.aread(get_rma, number)
    context = {"rma": rma, "message": message, "error": error,
               "conditions": RETURN_CONDITIONS, "dispositions": RETURN_DISPOSITIONS}  # fmt: skip
    return render_page(request, "returns_rma.html", context, status_code=status_code)


routes = [
    Route("/returns", returns_start_view, methods=["GET"], name="returns_desk"),
    Route("/returns/{number}", returns_rma_view, methods=["GET", "POST"], name="returns_rma"),
]
