"""The background task that sends outbound webhooks (started by the app's lifespan).

Every ``webhook_poll_ms`` it turns new order events, payment events and
ledger postings into deliveries (``sync.webhook_events.enqueue``), then
sends the deliveries that are due, each as ``POST <url>`` with the event as
JSON and the headers

    Shelfsync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
    Shelfsync-Event-Id:  the event's id (de-duplicate on it)
    Shelfsync-Event-Type: order.status | order.payment | ledger.movement

signed with the endpoint's secret.  A 2xx answer is delivered; anything
else (or no answer within ``webhook_timeout_ms``) is tried again after an
exponentially growing delay with jitter, and given up after
``webhook_max_attempts`` tries.  A try that fails in any other way (a bug, a
URL the client cannot use) is a failed try of its delivery all the same, so
one bad delivery never stops the others; its traceback is logged on the
delivery's first try and a one-line error on the later ones.  Each try is
recorded.  A delivery can reach a receiver more than once (the server may stop
between sending and recording); the event id is there to make that harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import aiohttp

from server.database import Store
from server.settings import Settings
from sync.signing import signature_header
from sync.webhook_events import Backoff, Due, due, enqueue, has_news, record_attempt

__all__ = ["WebhookSender", "SIGNATURE_HEADER"]

log = logging.getLogger("shelfsync.webhooks")
SIGNATURE_HEADER = "Shelfsync-Signature"
PARALLEL = 32


class WebhookSender:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.poll = settings.webhook_poll_ms / 1000
        self.timeout = aiohttp.ClientTimeout(total=settings.webhook_timeout_ms / 1000)
        self.backoff = Backoff(
            settings.webhook_max_attempts, settings.webhook_backoff_ms,
            settings.webhook_backoff_max_ms,
        )  # fmt: skip
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="webhooks")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self.timeout)
        while True:
            sent = 0
            try:
                sent = await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:  # a bad tick must never end the task: try next time
                log.exception("webhook delivery tick failed")
            if sent < PARALLEL:  # a full batch: more may be due, go on at once
                await asyncio.sleep(self.poll)

    async def tick(self) -> int:
        """Enqueue new events and send what is due; returns how many were sent."""
        if await self.store.aread(has_news):
            await self.store.awrite(enqueue)
        batch = await self.store.aread(due, PARALLEL)
        if batch:
            await asyncio.gather(*(self._send(d) for d in batch))
        return len(batch)

    async def _send(self, delivery: Due) -> None:
        """Send one delivery and record the try, whatever went wrong with it.

        Any error of this one delivery is a failed try of it, backed off like a
        refused one: left unrecorded it would stay the oldest due, and enough
        of them would fill every round and starve all the other endpoints.
        """
        status: int | None = None
        error: str | None = None
        started = time.perf_counter()
        try:
            status = await self._post(delivery)
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            error = _describe(exc)
        except Exception as exc:  # not the network's doing (a bug, a URL aiohttp rejects)
            error = _describe(exc)
            _log_failure(delivery, error)
        elapsed = int((time.perf_counter() - started) * 1000)
        await self.store.awrite(
            record_attempt, delivery.delivery_id, status_code=status, error=error,
            elapsed_ms=elapsed, backoff=self.backoff,
        )  # fmt: skip

    async def _post(self, delivery: Due) -> int:
        """POST the signed event; returns the HTTP status."""
        assert self._session is not None
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "shelfsync-webhooks/1",
            SIGNATURE_HEADER: signature_header(delivery.secret, delivery.payload),
            "Shelfsync-Event-Id": delivery.event_id,
            "Shelfsync-Event-Type": delivery.event_type,
        }
        async with self._session.post(
            delivery.url, data=delivery.payload, headers=headers, allow_redirects=False
        ) as response:
            await response.read()
            return response.status


def _log_failure(delivery: Due, error: str) -> None:
    """The traceback on a delivery's first try; a line on each try after it.

    Such an error comes back on every try (it is no network's doing), so a
    traceback each time would fill the log with the same one.
    """
    where = (delivery.delivery_id, delivery.url[:200])
    if delivery.attempts == 0:
        log.exception("webhook delivery %s to %s failed", *where)
    else:
        log.error(
            "webhook delivery %s to %s failed again (try %d): %s",
            *where, delivery.attempts + 1, error,
        )  # fmt: skip


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
