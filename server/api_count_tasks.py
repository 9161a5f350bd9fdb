"""``POST /api/count-tasks``: a supervisor asks for a bin to be counted."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_json
from server.auth import allow
from sync.count_tasks import create_count_task

__all__ = ["routes"]


@allow("supervisor", "admin")
async def count_task_view(request: Request) -> Response:
    body = await read_json(request)
    task = await request.app.state.store.awrite(
        create_count_task, body, request.state.user.username
    )
    return json_response(task, status_code=201)


routes = [Route("/api/count-tasks", count_task_view, methods=["POST"], name="count_tasks")]
