"""The server-rendered pages: log in and out, home, stock lookup.

Anonymous visitors are sent to ``/login?next=…``; forms carry the session's
CSRF token.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.api_push import forget_session_subscription
from server.auth import (
    ANY_ROLE,
    allow,
    check_csrf,
    csrf_token,
    current_user,
    end_session,
    password_user,
    public,
    safe_next,
    start_session,
)
from server.errors import TooManyAttempts, status_of
from sync.errors import InvalidRequest, NotFound
from sync.readback import get_stock

__all__ = [
    "routes",
    "render_page",
    "tell_once",
    "told",
    "text_fields",
    "posted_text",
    "posted_form",
]


def text_fields(form: FormData) -> dict[str, str]:
    """A posted form's fields, every one text: a file sent in a field (a
    multipart body) is refused, naming it, before anything is done with it (it
    reached the database as a file: a 500), and so is a NUL character in one
    (nobody types one, and SQLite's own text functions stop at it)."""
    for name, value in form.multi_items():
        if not isinstance(value, str):
            raise InvalidRequest(f"{name}: expected text, not a file")
        if "\x00" in value or "\x00" in name:
            raise InvalidRequest(f"{name.replace(chr(0), '')}: must not contain NUL characters")
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def posted_text(request: Request) -> dict[str, str]:
    """The posted form's fields as ``text_fields`` takes them (a file sent is closed)."""
    async with request.form() as form:
        return text_fields(form)


async def posted_form(request: Request) -> FormData:
    """The posted form, checked as ``text_fields`` checks it, with every value
    of a field kept (``getlist``); a file sent is closed."""
    async with request.form() as form:
        text_fields(form)
        return FormData(form.multi_items())


def render_page(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    """A template as a staff page: the user and CSRF token in its context, never cached."""
    context.setdefault("user", getattr(request.state, "user", None))
    context.setdefault("csrf", csrf_token(request))
    response: Response = request.app.state.templates.TemplateResponse(
        request, name, context, status_code=status_code
    )
    response.headers["Cache-Control"] = "no-store"
    return response


_NOTICE = "notice"  # the session's key for what a page tells once


def tell_once(request: Request, text: str) -> None:
    """Keep ``text`` for the next GET of this page, after a successful POST.

    In the session, not the URL: a reload then shows the page without the
    result (which would read as if it had happened twice), a crafted link
    cannot put words on a staff page, and a link shown once (the customer's
    tracking link) stays out of the address bar, the history and access logs.
    """
    request.session[_NOTICE] = {"path": request.url.path, "text": text}


def told(request: Request) -> str | None:
    """What ``tell_once`` kept for this page; gone after this (also when it was
    for another page, so that it never turns up there later, stale)."""
    notice = request.session.pop(_NOTICE, None)
    if isinstance(notice, dict) and notice.get("path") == request.url.path:
        return str(notice.get("text"))
    return None


@public
async def login_view(request: Request) -> Response:
    if request.method == "GET":
        target = safe_next(request.query_params.get("next"))
        if await current_user(request) is not None:
            return RedirectResponse(target, status_code=303)
        return render_page(request, "login.html", {"next": target, "username": "", "error": None})

    form = await posted_form(request)
    check_csrf(request, form.get("csrf"))
    target = safe_next(form.get("next"))
    username = form.get("username")
    context = {"next": target, "username": username if isinstance(username, str) else ""}
    try:
        user = await password_user(request, username, form.get("password"))
    except TooManyAttempts as exc:
        context["error"] = exc.message[0].upper() + exc.message[1:] + "."
        response = render_page(request, "login.html", context, status_code=429)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    if user is None:
        context["error"] = "Wrong username or password."
        return render_page(request, "login.html", context, status_code=400)
    start_session(request, user)
    return RedirectResponse(target, status_code=303)


@allow(*ANY_ROLE)
async def logout_view(request: Request) -> Response:
    form = await posted_form(request)
    check_csrf(request, form.get("csrf"))
    await forget_session_subscription(request)
    end_session(request)
    return RedirectResponse("/login", status_code=303)


@allow(*ANY_ROLE)
async def home_view(request: Request) -> Response:
    return render_page(request, "home.html", {})


@allow(*ANY_ROLE)
async def stock_page_view(request: Request) -> Response:
    query = {k: (request.query_params.get(k) or "").strip() for k in ("item", "location", "lot")}
    context: dict[str, Any] = {"query": query, "rows": None, "error": None}
    status_code = 200
    if any(query.values()):
        try:
            found = await request.app.state.store.aread(
                get_stock, **{k: v or None for k, v in query.items()}
            )
            context["rows"] = found["stock"]
        except (InvalidRequest, NotFound) as exc:
            context["error"] = exc.message
            status_code = status_of(exc)
    return render_page(request, "stock.html", context, status_code=status_code)


routes = [
    Route("/login", login_view, methods=["GET", "POST"], name="login"),
    Route("/logout", logout_view, methods=["POST"], name="logout"),
    Route("/", home_view, methods=["GET"], name="home"),
    Route("/stock", stock_page_view, methods=["GET"], name="stock_page"),
]
