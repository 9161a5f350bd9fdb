"""Errors over HTTP: one JSON shape for ``/api/``, one HTML page for the rest.

Every ``/api/`` error answers with the body made by :func:`error_body`::

    {"ok": false, "error": "<code>", "message": "<human text>", "errors": [...], "status": N}

``error`` is a stable machine-readable code.  For the protocol's own errors it
is exactly the name the protocol gives (``device_forked``, ``epoch_mismatch``);
a transient fault also carries ``retry_after_ms`` and a ``Retry-After`` header.

Domain errors (``sync.errors``) know nothing about HTTP; :data:`STATUS` maps
them to statuses here, in one place.  Server-side refusals that are not domain
errors are the two classes below, in the same hierarchy.
"""

from __future__ import annotations

import logging
import math
import sqlite3
from http import HTTPStatus
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from sync.db import is_transient
from sync.errors import (
    AuthError,
    Conflict,
    DeviceForked,
    DeviceRefused,
    EpochMismatch,
    InvalidRequest,
    NotFound,
    ShelfsyncError,
    TooLarge,
    TransientStoreError,
    UnsupportedProtocol,
)

__all__ = [
    "Forbidden",
    "UnsupportedMediaType",
    "TooManyAttempts",
    "STATUS",
    "status_of",
    "EXCEPTION_HANDLERS",
    "error_body",
    "error_response",
    "is_api",
]

logger = logging.getLogger("shelfsync.server")


class Forbidden(ShelfsyncError):
    """Logged in (or a known device), but not allowed to do this (→ 403)."""

    code = "forbidden"


class UnsupportedMediaType(ShelfsyncError):
    """A browser-session write that is not JSON: refused as a CSRF defence (→ 415)."""

    code = "unsupported_media_type"


class TooManyAttempts(ShelfsyncError):
    """Too many failed logins for this name or address: wait (→ 429, Retry-After)."""

    code = "too_many_attempts"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


# Most specific first: the first class in an exception's MRO found here wins.
STATUS: dict[type[ShelfsyncError], int] = {
    InvalidRequest: 400,
    AuthError: 401,
    DeviceRefused: 403,
    Forbidden: 403,
    NotFound: 404,
    DeviceForked: 409,
    EpochMismatch: 409,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedMediaType: 415,
    UnsupportedProtocol: 426,
    TooManyAttempts: 429,
    TransientStoreError: 503,
    ShelfsyncError: 400,
}

# Codes for plain HTTP statuses (routing's 404/405, HTTPException from views).
_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    426: "unsupported_protocol",
    429: "too_many_attempts",
    500: "internal_error",
    503: "temporary",
}


def is_api(request: Request) -> bool:
    """True for the JSON API (errors as JSON), False for pages (errors as HTML)."""
    path: str = request.scope.get("path", "")
    return path == "/api" or path.startswith("/api/")


def error_body(
    status: int, code: str, message: str, errors: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """The one JSON error shape of the API."""
    body: dict[str, Any] = {
        "ok": False,
        "error": code,
        "message": message,
        "errors": list(errors or []),
        "status": status,
    }
    body.update(extra)
    return body


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    errors: list[Any] | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """JSON for ``/api/`` paths, the HTML error page for everything else."""
    if is_api(request):
        body = error_body(status, code, message, errors, **extra)
        return JSONResponse(body, status_code=status, headers=headers)
    templates = getattr(request.app.state, "templates", None)
    if templates is None:  # pragma: no cover - create_app always sets them
        return PlainTextResponse(message, status_code=status, headers=headers)
    context = {"status": status, "title": _title(status), "message": message, "errors": errors}
    return templates.TemplateResponse(
        request, "error.html", context, status_code=status, headers=headers
    )


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def status_of(exc: ShelfsyncError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400  # pragma: no cover - ShelfsyncError is in STATUS


def _retry_headers(retry_after_ms: int) -> dict[str, str]:
    return {"Retry-After": str(max(0, math.ceil(retry_after_ms / 1000)))}


async def handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShelfsyncError)
    status = status_of(exc)
    if isinstance(exc, TransientStoreError):
        return error_response(
            request,
            status,
            exc.code,
            exc.message or "the server is busy: try again shortly",
            exc.errors,
            headers=_retry_headers(exc.retry_after_ms),
            retry_after_ms=exc.retry_after_ms,
        )
    if isinstance(exc, TooManyAttempts):
        retry = {"Retry-After": str(exc.retry_after_s)}
        return error_response(request, status, exc.code, exc.message, headers=retry)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 and is_api(request) else None
    return error_response(request, status, exc.code, exc.message, exc.errors, headers=headers)


async def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    code = _HTTP_CODES.get(status) or _title(status).lower().replace(" ", "_")
    message = exc.detail if exc.detail != _title(status) else _default_message(request, status)
    return error_response(request, status, code, message, headers=dict(exc.headers or {}))


def _default_message(request: Request, status: int) -> str:
    if status == 404:
        return f"nothing at {request.url.path}"
    if status == 405:
        return f"{request.method} is not allowed on {request.url.path}"
    return _title(status)


async def handle_sqlite_error(request: Request, exc: Exception) -> Response:
    """A lock or a full disk that escaped a read: 503, try again.  Anything else is a bug."""
    if not is_transient(exc):
        raise exc
    retry_after_ms = int(request.app.state.settings.retry_after_ms)
    return error_response(
        request,
        503,
        TransientStoreError.code,
        "the database is busy: try again shortly",
        headers=_retry_headers(retry_after_ms),
        retry_after_ms=retry_after_ms,
    )


async def handle_unexpected(request: Request, exc: Exception) -> Response:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(
        request, 500, "internal_error", "something went wrong on the server; it has been logged"
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ShelfsyncError: handle_domain_error,
    HTTPException: handle_http_error,
    sqlite3.OperationalError: handle_sqlite_error,
    Exception: handle_unexpected,
}
