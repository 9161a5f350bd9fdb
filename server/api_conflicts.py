"""The conflict inbox over JSON: list, detail, resolve, bulk accept.

Supervisors and admins only; every resolution is attributed to the user of
the session.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_json
from server.auth import allow
from sync.bulk_accept import bulk_accept
from sync.conflicts import ConflictFilter, conflict_detail, list_conflicts, parse_conflict_id
from sync.errors import InvalidRequest
from sync.kinds import MANAGER_ROLES
from sync.resolutions import ResolutionRequest, resolve

__all__ = ["routes", "MANAGERS"]

MANAGERS = MANAGER_ROLES


@allow(*MANAGERS)
async def list_view(request: Request) -> Response:
    where = ConflictFilter.from_query(dict(request.query_params))
    rows = await request.app.state.store.aread(list_conflicts, where)
    return json_response({"conflicts": rows})


@allow(*MANAGERS)
async def detail_view(request: Request) -> Response:
    number = parse_conflict_id(request.path_params["conflict_id"])
    return json_response(await request.app.state.store.aread(conflict_detail, number))


@allow(*MANAGERS)
async def resolve_view(request: Request) -> Response:
    number = parse_conflict_id(request.path_params["conflict_id"])
    body = await read_json(request)
    resolution = ResolutionRequest.from_json(number, body, request.state.user.username)
    done = await request.app.state.store.awrite(resolve, resolution, request.app.state.rules)
    return json_response(done, status_code=200 if done["replayed"] else 201)


@allow(*MANAGERS)
async def bulk_accept_view(request: Request) -> Response:
    body = await read_json(request)
    limit = float(request.app.state.settings.bulk_accept_max_value)
    max_value = body.get("max_value", limit)
    if not isinstance(max_value, int | float) or isinstance(max_value, bool) or max_value < 0:
        raise InvalidRequest("max_value: a number >= 0")
    if max_value > limit:
        raise InvalidRequest(f"max_value: at most {limit:g} (setting bulk_accept_max_value)")
    batch_id = body.get("id") or str(uuid.uuid4())
    if not isinstance(batch_id, str) or not 8 <= len(batch_id) <= 60:
        raise InvalidRequest("id: 8 to 60 characters (e.g. a UUID)")
    done = await request.app.state.store.awrite(
        bulk_accept,
        body.get("ids"),
        reason=body.get("reason"),
        by_user=request.state.user.username,
        max_value=float(max_value),
        batch_id=batch_id,
        rules=request.app.state.rules,
    )
    return json_response(done)


routes = [
    Route("/api/conflicts", list_view, methods=["GET"], name="conflicts"),
    Route("/api/conflicts/bulk-accept", bulk_accept_view, methods=["POST"], name="bulk_accept"),
    Route("/api/conflicts/{conflict_id}", detail_view, methods=["GET"], name="conflict"),
    Route(
        "/api/conflicts/{conflict_id}/resolve",
        resolve_view,
        methods=["POST"],
        name="conflict_resolve",
    ),
]
