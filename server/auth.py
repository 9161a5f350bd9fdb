"""Who is asking: browser sessions, device tokens, and who may call what.

Two kinds of callers:

- **people** log in with a password and carry a signed session cookie
  (Starlette's ``SessionMiddleware``; the session holds the user id, a CSRF
  token and at most one message a page tells once after a successful form
  (``pages.tell_once``); the user is re-read on every request, so a changed
  role or a deactivated account takes effect at once);
- **devices** send ``Authorization: Bearer <token>`` (``sync.devices``).

Every view says who may call it, declaratively, and the rule stays readable
on the endpoint (``access_of(route.endpoint)``) so a test can walk the routes::

    @public                                 anyone (the view checks what it needs)
    @allow(*ANY_ROLE)                       any logged-in person
    @allow("supervisor", "admin")           these roles only
    @allow(device=True)                     a device token only
    @allow(*ANY_ROLE, device=True)          a device token or any logged-in person

Refusals: anonymous ``/api/`` → 401 JSON, anonymous page → redirect to
``/login?next=…``, wrong role → 403.  A browser-session write to the API must
be ``Content-Type: application/json`` (a cross-site form cannot send that);
page forms carry a CSRF token kept in the session.
"""

from __future__ import annotations

import functools
import logging
import secrets
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

import itsdangerous
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import Forbidden, UnsupportedMediaType, is_api
from server.settings import Settings
from server.users import User, check_password, get_user
from sync.audit import record
from sync.db import is_transient
from sync.devices import authenticate
from sync.errors import AuthError
from sync.kinds import ROLES

__all__ = [
    "ANY_ROLE",
    "Access",
    "Endpoint",
    "public",
    "allow",
    "access_of",
    "bearer_token",
    "current_user",
    "password_user",
    "start_session",
    "end_session",
    "csrf_token",
    "check_csrf",
    "require_json",
    "safe_next",
    "session_middleware",
]

log = logging.getLogger("shelfsync.auth")

ANY_ROLE: tuple[str, ...] = tuple(ROLES)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Access:
    """Who may call an endpoint."""

    roles: frozenset[str] = frozenset()
    device: bool = False
    public: bool = False


def public(view: Endpoint) -> Endpoint:
    """Anyone may call this view; it checks whatever credentials it needs itself."""
    view.access = Access(public=True)  # type: ignore[attr-defined]
    return view


def allow(*roles: str, device: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Only these roles (by session) and, with ``device=True``, device tokens."""
    unknown = set(roles) - set(ROLES)
    if unknown or not (roles or device):
        raise ValueError(f"allow(): roles must be some of {ROLES}, or device=True")
    rule = Access(roles=frozenset(roles), device=device)

    def decorate(view: Endpoint) -> Endpoint:
        @functools.wraps(view)
        async def guarded(request: Request) -> Response:
            refusal = await _admit(request, rule)
            if refusal is not None:
                return refusal
            return await view(request)

        guarded.access = rule  # type: ignore[attr-defined]
        return guarded

    return decorate


def access_of(endpoint: object) -> Access | None:
    access = getattr(endpoint, "access", None)
    return access if isinstance(access, Access) else None


async def _admit(request: Request, rule: Access) -> Response | None:
    request.state.user = None
    request.state.device = None
    token = bearer_token(request)
    if rule.device and token is not None:
        request.state.device = await request.app.state.store.aread(authenticate, token, None)
        return None
    if rule.roles:
        user = await current_user(request)
        if user is not None:
            if user.role not in rule.roles:
                wanted = " or ".join(sorted(rule.roles))
                raise Forbidden(f"this needs the role {wanted}; {user.username} is a {user.role}")
            if is_api(request) and request.method not in SAFE_METHODS:
                require_json(request)
            request.state.user = user
            return None
    if not is_api(request):
        return RedirectResponse(login_url(request), status_code=303)
    if not rule.roles:
        raise AuthError("no device token: send Authorization: Bearer <token>")
    if token is not None and not rule.device:
        raise AuthError("a device token does not open this: log in as staff")
    if not rule.device:
        raise AuthError("log in first")
    raise AuthError("log in first, or send a device token")


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def current_user(request: Request) -> User | None:
    """The logged-in, active user of this browser session, or None."""
    user_id = request.session.get("uid")
    if not isinstance(user_id, int):
        return None
    # One primary-key read: cheaper on the event loop's own read connection
    # than a hop to a worker thread (WAL readers never wait for the writer).
    user: User | None = request.app.state.store.read(get_user, user_id)
    return user if user is not None and user.active else None


async def password_user(request: Request, username: object, password: object) -> User | None:
    """The active user with this username and password, or None; throttled.

    Raises ``TooManyAttempts`` while the name or the caller's address is
    locked after too many failures (``server.login_throttle``).
    """
    throttle = request.app.state.login_throttle
    address = request.client.host if request.client else None
    throttle.check(username, address)
    user: User | None = await request.app.state.store.aread(
        check_password, username, password, hasher=request.app.state.password_hasher
    )
    if user is None:
        throttle.failed(username, address)
    else:
        throttle.succeeded(username)
    try:
        await request.app.state.store.awrite(
            record,
            "login_failed" if user is None else "login",
            username=username[:50] if isinstance(username, str) else None,
            address=address,
            detail={"via": request.url.path},
        )
    except sqlite3.OperationalError as exc:  # the database is busy: the answer stands
        if not is_transient(exc):
            raise
        log.warning("login of %r not audited: %s", username, exc)
    return user


def start_session(request: Request, user: User) -> None:
    """Log ``user`` in: a fresh session (and CSRF token) replaces the old one."""
    request.session.clear()
    request.session.update({"uid": user.id, "csrf": secrets.token_urlsafe(32)})


def end_session(request: Request) -> None:
    request.session.clear()


def csrf_token(request: Request) -> str:
    """This session's CSRF token for page forms (made on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: object) -> None:
    expected = request.session.get("csrf")
    if not (
        isinstance(expected, str)
        and isinstance(submitted, str)
        and secrets.compare_digest(expected.encode(), submitted.encode())
    ):
        raise Forbidden("this form has expired: reload the page and try again")


def require_json(request: Request) -> None:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType("send the request body as Content-Type: application/json")


def safe_next(target: object) -> str:
    """A local path to go to after login; anything else becomes ``/``."""
    if (
        isinstance(target, str)
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and not any(c in target for c in "\r\n\\")
    ):
        return target
    return "/"


def login_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/login" if here == "/" else f"/login?next={quote(here, safe='')}"


class _SessionCookies(SessionMiddleware):
    """``SessionMiddleware`` whose key is read from ``app.state.session_secret``.

    The key may live in the database, which is opened by the lifespan, after
    the middleware stack is built; so the signer is made on first use.
    """

    def __init__(self, app: ASGIApp, *, max_age: int, https_only: bool) -> None:
        super().__init__(
            app,
            secret_key=secrets.token_urlsafe(32),  # replaced before first use
            session_cookie="shelfsync_session",
            max_age=max_age,
            same_site="lax",
            https_only=https_only,
        )
        self._secret: str | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            secret: str = scope["app"].state.session_secret
            if secret != self._secret:
                self.signer = itsdangerous.TimestampSigner(secret)
                self._secret = secret
        await super().__call__(scope, receive, send)


def session_middleware(settings: Settings) -> Middleware:
    return Middleware(
        _SessionCookies,
        max_age=settings.session_hours * 3600,
        https_only=settings.secure_cookies,
    )
