"""Web push for people: the server's public key, and saving a subscription.

Any logged-in person may subscribe; what reaches them depends on their role
(supervisors: conflicts and silent devices; pickers: pick lists given them).
The session remembers the endpoint it subscribed, and logging out forgets it
(``forget_session_subscription``): the next person on a shared handheld does
not get the last one's notifications.

A browser that rotates its subscription (the service worker's
``pushsubscriptionchange``) saves the new one with ``old_endpoint``, the one it
replaces: both in one transaction, so the server never keeps the dead one
beside it.  Only the person's own old subscription is dropped.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_json
from server.auth import ANY_ROLE, allow
from server.vapid_keys import vapid_public_key
from sync.errors import InvalidRequest, NotFound
from sync.notices import delete_subscription, save_subscription, user_subscriptions

__all__ = ["routes", "forget_session_subscription"]


@allow(*ANY_ROLE)
async def public_key_view(request: Request) -> Response:
    key = await request.app.state.store.aread(vapid_public_key)
    if key is None:
        raise NotFound("this server has no VAPID key yet (run shelfsync init)")
    return json_response({"public_key": key})


def _save_replacing(
    conn: sqlite3.Connection, username: str, body: dict[str, Any], old: str | None
) -> tuple[int, bool]:
    """Save ``body`` for ``username`` and drop ``old``, their subscription it
    replaces; the new one's id, and whether an old one was dropped."""
    subscription_id = save_subscription(conn, username, body)
    if old is None or old == body["endpoint"]:
        return subscription_id, False
    return subscription_id, delete_subscription(conn, old, username)


@allow(*ANY_ROLE)
async def subscribe_view(request: Request) -> Response:
    body = await read_json(request)
    old = body.get("old_endpoint")
    if old is not None and not isinstance(old, str):
        raise InvalidRequest("old_endpoint: the endpoint of the subscription this one replaces")
    username = request.state.user.username
    subscription_id, replaced = await request.app.state.store.atransact(
        _save_replacing, username, body, old
    )
    request.session["push_endpoint"] = body["endpoint"]
    return json_response(
        {"id": subscription_id, "username": username, "replaced": replaced}, status_code=201
    )


@allow(*ANY_ROLE)
async def subscriptions_view(request: Request) -> Response:
    username = request.state.user.username
    rows = await request.app.state.store.aread(user_subscriptions, username)
    return json_response(
        {
            "username": username,
            "subscriptions": rows,
            "session_endpoint": request.session.get("push_endpoint"),
        }
    )


@allow(*ANY_ROLE)
async def unsubscribe_view(request: Request) -> Response:
    body = await read_json(request)
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str):
        raise InvalidRequest("endpoint: the subscription's endpoint")
    deleted = await request.app.state.store.awrite(
        delete_subscription, endpoint, request.state.user.username
    )
    if request.session.get("push_endpoint") == endpoint:
        del request.session["push_endpoint"]
    # 200 either way (forgetting twice is no error), but it says whether one of
    # yours was forgotten: another person's subscription is never touched
    return json_response({"endpoint": endpoint, "deleted": deleted})


async def forget_session_subscription(request: Request) -> None:
    """At log out: delete the subscription this session made, if any."""
    endpoint = request.session.get("push_endpoint")
    if isinstance(endpoint, str):
        await request.app.state.store.awrite(
            delete_subscription, endpoint, request.state.user.username
        )


routes = [
    Route("/api/push/vapid-public-key", public_key_view, methods=["GET"], name="vapid_key"),
    Route("/api/push/subscriptions", subscribe_view, methods=["POST"], name="push_subscribe"),
    Route(
        "/api/push/subscriptions",
        subscriptions_view,
        methods=["GET"],
        name="push_subscriptions",
    ),
    Route(
        "/api/push/subscriptions/delete",
        unsubscribe_view,
        methods=["POST"],
        name="push_unsubscribe",
    ),
]
