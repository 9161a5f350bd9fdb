"""Orders in bulk over JSON: ``POST /api/orders/batch`` (marketplaces, imports).

The body is ``{"orders": [order, ...]}``, up to ``MAX_BATCH_ORDERS`` orders
each exactly as ``POST /api/orders`` takes them and idempotent the same way,
by (channel, external_ref).  The answer is 200 with one result per order, in
the order sent::

    {"ok": true, "created": 2, "existing": 1, "refused": 1, "results": [
        {"index": 0, "result": "created", "status": 201, "order": {...}},
        {"index": 1, "result": "existing", "status": 200, "order": {...}},
        {"index": 2, "result": "refused", "ok": false, "error": "invalid_request",
         "message": "...", "errors": [...], "status": 400}, ...]}

A refused order carries the API's one error shape.  Each order is made or
refused whole; the batch is written in transactions of ``CHUNK`` orders, so
when the server answers 503 part-way the same batch can simply be sent again
(what was made answers ``existing``).  A body that is not a batch is one
error for the whole request and nothing is made.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.api_common import json_response, read_body
from server.auth import allow
from server.errors import error_body, status_of
from sync.errors import ShelfsyncError
from sync.order_batch import decode_batch
from sync.orders import OrderIn, create_orders

__all__ = ["routes", "MAX_BATCH_BYTES", "CHUNK"]

MAX_BATCH_BYTES = 4 * 1024 * 1024
CHUNK = 250  # orders per write transaction: other writers get the writer in between


def _result(index: int, outcome: tuple[dict[str, Any], bool] | ShelfsyncError) -> dict[str, Any]:
    if isinstance(outcome, ShelfsyncError):
        status = status_of(outcome)
        body = error_body(status, outcome.code, outcome.message, outcome.errors)
        return {"index": index, "result": "refused", **body}
    order, created = outcome
    if created:
        return {"index": index, "result": "created", "status": 201, "order": order}
    return {"index": index, "result": "existing", "status": 200, "order": order}


@allow("supervisor", "admin")
async def batch_view(request: Request) -> Response:
    entries = decode_batch(await read_body(request, MAX_BATCH_BYTES))
    user = request.state.user.username
    store = request.app.state.store
    outcomes: dict[int, tuple[dict[str, Any], bool] | ShelfsyncError] = {}
    valid = [(n, e) for n, e in enumerate(entries) if isinstance(e, OrderIn)]
    for start in range(0, len(valid), CHUNK):
        chunk = valid[start : start + CHUNK]
        made = await store.awrite(create_orders, [(order, user) for _, order in chunk])
        outcomes.update((n, outcome) for (n, _), outcome in zip(chunk, made, strict=True))
    results = [
        _result(n, outcomes[n] if isinstance(entry, OrderIn) else entry)
        for n, entry in enumerate(entries)
    ]
    counts = {kind: sum(r["result"] == kind for r in results)
              for kind in ("created", "existing", "refused")}  # fmt: skip
    return json_response({"ok": True, **counts, "results": results})


routes = [Route("/api/orders/batch", batch_view, methods=["POST"], name="order_batch")]
