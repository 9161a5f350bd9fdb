"""Helpers for the web push browser tests: a stand-in for the browser's push
service, a server that pushes every second, and the service worker's side
(its registration id for CDP, delivering a push, the notifications shown).

Chromium here reaches no push service, so ``pushManager.subscribe`` cannot
succeed.  ``STAND_IN`` (an init script) replaces it in a page with what a
browser answers — a subscription with a P-256 key and an auth secret (made in
Python by ``BrowserSubscription``, so the test can decrypt) whose endpoint is
the local receiver.  Everything else is the real thing.

The fixtures that start a push server and a receiver are in ``push_fixtures``.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from console.pushreceiver import BrowserSubscription, Receiver
from liveserver import ROOT, cli, free_port, server_env, start_server
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page

__all__ = [
    "STAND_IN",
    "subscribing_context",
    "PushServer",
    "push_server_copy",
    "registration_id",
    "deliver",
    "notifications",
    "b64decode",
    "pushes_to",
    "subscribed",
]

# What a page gets instead of the browser's push service (see the docstring).
STAND_IN = """
(() => {
  const sub = %s;
  const KEY = "e2e-push-subscription";
  const make = (saved) => ({
    endpoint: sub.endpoint,
    expirationTime: null,
    options: { applicationServerKey: new Uint8Array(saved.key).buffer,
               userVisibleOnly: saved.userVisibleOnly },
    toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
    unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const saved = { key: Array.from(new Uint8Array(options.applicationServerKey)),
                    userVisibleOnly: options.userVisibleOnly };
    localStorage.setItem(KEY, JSON.stringify(saved));
    return make(saved);
  };
  PushManager.prototype.getSubscription = async function () {
    const saved = localStorage.getItem(KEY);
    return saved ? make(JSON.parse(saved)) : null;
  };
})();
"""


def subscribing_context(
    browser: Browser, url: str, sub: BrowserSubscription, **options: Any
) -> BrowserContext:
    """A new browser context (``options`` as for ``new_context``) that may show
    ``url``'s notifications, whose pages subscribe with ``sub`` (``STAND_IN``)."""
    context = browser.new_context(**options)
    context.grant_permissions(["notifications"], origin=url)
    context.add_init_script(STAND_IN % json.dumps(sub.as_json()))
    return context


class PushServer:
    def __init__(self, url: str, db: Path) -> None:
        self.url, self.db = url, db


@contextmanager
def push_server_copy(source: Path, folder: Path) -> Iterator[PushServer]:
    """A copy of ``source`` (a backup) served with pushes sent every second."""
    db = folder / "push.db"
    subprocess.run(cli("backup", str(db), "--db", str(source)), cwd=ROOT,
                   env=server_env(), check=True, capture_output=True)  # fmt: skip
    port = free_port()
    process = start_server(db, port, folder / "push.log",
                           {"SHELFSYNC_PUSH_INTERVAL_SECONDS": "1"})  # fmt: skip
    try:
        caught_up(db)
        yield PushServer(f"http://127.0.0.1:{port}", db)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def caught_up(db: Path) -> None:
    """Until the server's sender has been through the conflicts the copy came with
    (its first round), so what it pushes next is what the test made."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            newest = conn.execute("SELECT coalesce(max(id), 0) FROM conflicts").fetchone()[0]
            seen = conn.execute(
                "SELECT value FROM meta WHERE key = 'push_conflicts_seen'"
            ).fetchone()
        finally:
            conn.close()
        if seen is not None and int(seen[0]) >= newest:
            return
        time.sleep(0.2)
    raise AssertionError("the server's push sender did not run")


def registration_id(cdp: CDPSession, page: Page, scope: str) -> str:
    """The service worker registration's id for ``scope``, as DevTools knows it."""
    found: dict[str, str] = {}

    def updated(event: dict[str, Any]) -> None:
        for r in event["registrations"]:
            if not r.get("isDeleted"):
                found[r["scopeURL"]] = r["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 15
    while scope not in found and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert scope in found, f"no service worker registration for {scope}: {found}"
    # A push delivered before the worker is activated can be dropped: wait for it.
    page.evaluate(
        """async () => {
             const worker = (await navigator.serviceWorker.ready).active;
             if (worker.state === "activated") return;
             await new Promise((done) => worker.addEventListener("statechange", () => {
               if (worker.state === "activated") done();
             }));
           }"""
    )
    return found[scope]


def deliver(cdp: CDPSession, origin: str, registration: str, payload: dict[str, Any]) -> None:
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration, "data": json.dumps(payload)},
    )


def notifications(
    page: Page, count: int, until: Callable[[list[dict[str, Any]]], bool] = lambda shown: True
) -> list[dict[str, Any]]:
    """The notifications the service worker shows (by tag), once there are ``count``
    and ``until`` holds for them."""
    deadline = time.monotonic() + 30  # a CI run once saw a push unshown after 15 s
    while True:
        shown: list[dict[str, Any]] = sorted(
            page.evaluate(
                """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                     .map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data}))"""
            ),
            key=lambda n: n["tag"],
        )
        if (len(shown) == count and until(shown)) or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert len(shown) == count, shown
    return shown


def b64decode(text: str) -> list[int]:
    return list(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def pushes_to(receiver: Receiver, sub: BrowserSubscription, path: str) -> list[dict[str, Any]]:
    return [sub.decrypt(r.body) for r in list(receiver.received) if r.path == path]


def subscribed(db: Path, endpoint: str) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT username FROM push_subscriptions WHERE endpoint = ?", (endpoint,)
        ).fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows]
