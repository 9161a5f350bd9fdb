"""``GET /healthz``: public; answers when the database can be read."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response
from server.auth import public
from sync.meta import epoch

__all__ = ["routes"]


@public
async def health_view(request: Request) -> Response:
    current = await request.app.state.store.aread(epoch)
    return json_response({"ok": True, "epoch": current})


routes = [Route("/healthz", health_view, methods=["GET"], name="healthz")]
