"""``POST /api/webhooks/payment``: the payment provider tells us a payment moved.

Public, but nothing is read from the body before its signature is checked:
``Shelfsync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``
with the ``payment_webhook_secret`` setting (``sync.signing``).  A missing
or wrong signature, or a timestamp outside ``webhook_tolerance_seconds``,
answers 401 and changes nothing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import MAX_SMALL_BODY, json_response, read_body
from server.auth import public
from sync.payments import apply_payment_event, decode_payment_event
from sync.signing import verify

__all__ = ["routes", "SIGNATURE_HEADER"]

SIGNATURE_HEADER = "Shelfsync-Signature"


@public
async def payment_webhook_view(request: Request) -> Response:
    settings = request.app.state.settings
    body = await read_body(request, MAX_SMALL_BODY)
    verify(
        settings.payment_webhook_secret,
        request.headers.get(SIGNATURE_HEADER),
        body,
        tolerance=settings.webhook_tolerance_seconds,
    )
    event = decode_payment_event(body)
    answer = await request.app.state.store.awrite(apply_payment_event, event, body)
    return json_response(answer)


routes = [
    Route("/api/webhooks/payment", payment_webhook_view, methods=["POST"], name="payment_webhook"),
]
