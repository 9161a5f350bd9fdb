"""``POST /api/webhooks/carrier``: the carrier's signed tracking events.

Public, so the signature is the whole of its access check: it is verified
over the raw body before anything is decoded, and a missing or bad one is
401 with nothing changed.  The protocol is described in ``sync/carrier.py``
and the README.
"""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import MAX_SMALL_BODY, json_response, read_body
from server.auth import public
from sync.carrier import SIGNATURE_HEADER, apply_carrier_event, decode_event, verify_signature

__all__ = ["routes"]


@public
async def carrier_webhook_view(request: Request) -> Response:
    settings = request.app.state.settings
    body = await read_body(request, MAX_SMALL_BODY)
    verify_signature(
        settings.carrier_webhook_secret,
        request.headers.get(SIGNATURE_HEADER),
        body,
        now=time.time(),
        tolerance_s=settings.carrier_webhook_tolerance_seconds,
    )
    answer = await request.app.state.store.awrite(apply_carrier_event, decode_event(body))
    return json_response(answer)


routes = [
    Route("/api/webhooks/carrier", carrier_webhook_view, methods=["POST"], name="carrier_webhook"),
]
