"""Sending web pushes, off the request path.

``PushSender.run_once`` collects the notices due (``sync.notices``) and sends
each to every subscription of its users with pywebpush (aes128gcm, signed
with the server's VAPID key).  A subscription the push service answers 404
or 410 for is gone and is deleted; other failures are logged (without the
key) and the next interval tries new notices again.  The app's lifespan runs
``run_forever`` as a background task, one round every
``push_interval_seconds``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from pywebpush import WebPushException, webpush
from starlette.concurrency import run_in_threadpool

from server.database import Store
from server.vapid_keys import vapid_signer
from sync.clock import iso_now
from sync.notices import Notice, collect_notices, delete_subscription, subscriptions_for

__all__ = ["PushSender", "SendReport"]

log = logging.getLogger("shelfsync.push")


@dataclass
class SendReport:
    notices: int = 0
    sent: int = 0
    removed: list[str] = field(default_factory=list)
    failed: int = 0


class PushSender:
    def __init__(
        self, store: Store, *, contact: str, silent_hours: int, timeout_s: float = 10.0
    ) -> None:
        self.store, self.contact, self.silent_hours = store, contact, silent_hours
        self.timeout_s = timeout_s

    def _collect(self) -> tuple[list[tuple[Notice, list[dict[str, Any]]]], Any]:
        def work(conn: sqlite3.Connection) -> tuple[list[tuple[Notice, list[dict[str, Any]]]], Any]:
            notices = collect_notices(conn, silent_hours=self.silent_hours)
            return [(n, subscriptions_for(conn, n.usernames)) for n in notices], vapid_signer(conn)

        return self.store.transact(work)

    def send(self, subscription: dict[str, Any], payload: dict[str, Any], signer: Any) -> int:
        """One push; the push service's status (201 or so), raising WebPushException."""
        response = webpush(
            {"endpoint": subscription["endpoint"], "keys": subscription["keys"]},
            json.dumps(payload),
            vapid_private_key=signer,
            vapid_claims={"sub": self.contact},
            content_encoding="aes128gcm",
            timeout=self.timeout_s,
            ttl=3600,
        )
        return int(getattr(response, "status_code", 0))

    def run_once(self) -> SendReport:
        report = SendReport()
        due, signer = self._collect()
        if signer is None:
            return report
        for notice, subscriptions in due:
            report.notices += 1
            for sub in subscriptions:
                try:
                    self.send(sub, notice.payload, signer)
                    report.sent += 1
                    self.store.write(
                        lambda c, i=sub["id"]: c.execute(
                            "UPDATE push_subscriptions SET last_sent_at = ? WHERE id = ?",
                            (iso_now(), i),
                        )
                    )
                except WebPushException as exc:
                    status = getattr(exc.response, "status_code", None)
                    if status in (404, 410):
                        self.store.write(delete_subscription, sub["endpoint"])
                        report.removed.append(sub["endpoint"])
                    else:
                        report.failed += 1
                        log.warning(
                            "push to %s's subscription failed: %s",
                            sub["username"],
                            status or type(exc).__name__,
                        )
                except Exception as exc:  # a push service down must not stop the loop
                    report.failed += 1
                    log.warning(
                        "push to %s's subscription failed: %s", sub["username"], type(exc).__name__
                    )
        return report

    async def run_forever(self, interval_s: float) -> None:
        interval_s = max(interval_s, 1.0)  # a zero setting must not spin
        while True:
            await asyncio.sleep(interval_s)
            try:
                await run_in_threadpool(self.run_once)
            except Exception:
                log.exception("web push round failed")
