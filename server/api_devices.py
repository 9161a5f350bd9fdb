"""Device registration and enrolment codes (protocol, "Identities").

``POST /api/devices`` is public, but the body must prove who asks, one of::

    {"name": "scanner-07", "username": "ana", "password": "…"}
    {"name": "scanner-07", "enrolment_code": "…"}
    {"name": "scanner-07"}            with a logged-in session (sent as JSON)

and answers ``{"device_id": …, "token": …, "epoch": …}``.
``POST /api/enrolment-codes`` (supervisor or admin) makes a one-time code.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_json
from server.auth import allow, current_user, password_user, public, require_json
from sync.devices import (
    Registration,
    create_enrolment_code,
    hash_secret,
    register_device,
    register_with_enrolment,
)
from sync.errors import AuthError, InvalidRequest

__all__ = ["routes"]


def _app_version(body: dict[str, Any]) -> str | None:
    version = body.get("app_version")
    if version is None:
        return None
    if not isinstance(version, str) or len(version) > 50:
        raise InvalidRequest("app_version: a short text such as 1.4.2")
    return version


@public
async def register_view(request: Request) -> Response:
    body = await read_json(request)
    name = body.get("name")
    app_version = _app_version(body)
    store = request.app.state.store

    if "enrolment_code" in body:
        registration: Registration = await store.atransact(
            register_with_enrolment,
            name=name,
            code=body["enrolment_code"],
            app_version=app_version,
        )
        return json_response(registration.as_json())

    if "username" in body or "password" in body:
        user = await password_user(request, body.get("username"), body.get("password"))
        if user is None:
            raise AuthError("wrong username or password")
    else:
        user = await current_user(request)
        if user is None:
            raise AuthError("send username and password, an enrolment code, or log in first")
        require_json(request)

    registration = await store.atransact(
        register_device, name=name, username=user.username, app_version=app_version
    )
    return json_response(registration.as_json())


@allow("supervisor", "admin")
async def enrolment_code_view(request: Request) -> Response:
    ttl_seconds = request.app.state.settings.enrolment_minutes * 60
    username = request.state.user.username

    def make(conn: sqlite3.Connection) -> dict[str, str]:
        code = create_enrolment_code(conn, created_by=username, ttl_seconds=ttl_seconds)
        row = conn.execute(
            "SELECT expires_at FROM enrolment_codes WHERE code_hash = ?", (hash_secret(code),)
        ).fetchone()
        return {"enrolment_code": code, "expires_at": row["expires_at"]}

    return json_response(await request.app.state.store.atransact(make))


routes = [
    Route("/api/devices", register_view, methods=["POST"], name="register_device"),
    Route("/api/enrolment-codes", enrolment_code_view, methods=["POST"], name="enrolment_code"),
]
