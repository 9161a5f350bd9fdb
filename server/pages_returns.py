"""The returns desk: find an RMA, receive its goods one line at a time.

Each returned line is graded (new, opened, damaged, defective) and given a
disposition (restock to a bin, quarantine, scrap); the form posts back to
the page with the session's CSRF token and calls ``receive_return``.  A
refusal shows the form again as sent; a receipt answers 303 back to the page,
which tells it once (Post/Redirect/Get), so a reload receives nothing again.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.auth import ANY_ROLE, allow, check_csrf
from server.errors import status_of
from server.pages import posted_form, render_page, tell_once, told
from sync.errors import InvalidRequest, ShelfsyncError
from sync.ids import parse_number
from sync.kinds import RETURN_CONDITIONS, RETURN_DISPOSITIONS
from sync.returns import receive_return
from sync.rmas import get_rma, open_rmas

__all__ = ["routes"]


@allow(*ANY_ROLE)
async def returns_start_view(request: Request) -> Response:
    number = (request.query_params.get("rma") or "").strip()
    error = None
    if number and "/" not in number:
        return RedirectResponse(request.url_for("returns_rma", number=number), status_code=303)
    if number:  # an order line's code, SO-55/1, or a typo: no page has that name
        error = f"{number} is not an RMA number: scan or type the RMA number, like RMA-7"
    waiting = await request.app.state.store.aread(open_rmas)
    context = {"waiting": waiting, "typed": number, "error": error}
    return render_page(request, "returns.html", context, status_code=400 if error else 200)


@allow(*ANY_ROLE)
async def returns_rma_view(request: Request) -> Response:
    number = request.path_params["number"]
    store = request.app.state.store
    message, error, status_code = None, None, 200
    # the form as sent, for a refusal; the item stays empty for the next scan
    # (a wedge scanner would type after what is left in the field)
    sent = {"qty": "1"}
    if request.method == "POST":
        form = await posted_form(request)
        check_csrf(request, form.get("csrf"))
        fields = ("qty", "condition", "disposition", "bin")
        sent = {name: str(form.get(name) or "") for name in fields}
        try:
            qty = parse_number(str(form.get("qty") or "1"))
            if qty is None:
                raise InvalidRequest("qty: a whole number")
            line = {"item": str(form.get("item") or "").strip(), "qty": qty,
                    "condition": form.get("condition"), "disposition": form.get("disposition"),
                    "bin": (str(form.get("bin") or "").strip() or None)}  # fmt: skip
            answer = await store.awrite(receive_return, rma=number, lines=[line],
                                        by_user=request.state.user.username,
                                        rules=request.app.state.rules)  # fmt: skip
            [receipt] = answer["receipts"]
            message = f"Received {receipt['qty']} × {receipt['item']}: {receipt['disposition']}."
            if receipt["conflicts"]:
                message += f" Flagged for a supervisor: {receipt['message']}"
            tell_once(request, message)
            return RedirectResponse(request.url.path, status_code=303)
        except ShelfsyncError as exc:  # nothing posted: the form again, with why
            error, status_code = exc.message, status_of(exc)
    else:
        message = told(request)
    rma = await store.aread(get_rma, number)
    context = {"rma": rma, "message": message, "error": error, "form": sent,
               "conditions": RETURN_CONDITIONS, "dispositions": RETURN_DISPOSITIONS}  # fmt: skip
    return render_page(request, "returns_rma.html", context, status_code=status_code)


routes = [
    Route("/returns", returns_start_view, methods=["GET"], name="returns_desk"),
    Route("/returns/{number}", returns_rma_view, methods=["GET", "POST"], name="returns_rma"),
]
