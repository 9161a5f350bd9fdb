"""The floor app starts from its cached shell when the server is there but of no
use: a proxy in front answers 502 while the app server restarts, or the
network is connected but nothing comes back ("lie-fi").  Scans are stored in
the outbox meanwhile, and sent once the server is back.  What the server says
on purpose (a redirect to the login page, 401, 404) still reaches the page.

The server is stood in for by a stub on its port (``own_server`` stopped and
started again), answering each path as the test says ("*": every other path).
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from pwa_helpers import PHONE, login, open_app, scan, sent_log, stocked_items, sync_now, wait_synced

if TYPE_CHECKING:
    from conftest import OwnServer

HANG = 0  # the stub's "status" for: accept, read the request, never answer
SHELL_TIMEOUT_S = 3  # sw.js NETWORK_TIMEOUT_MS
VIEWPORT = ViewportSize(width=PHONE["width"], height=PHONE["height"])


Answer = tuple[int, dict[str, str], bytes]  # status, headers, body


class _Stub(http.server.ThreadingHTTPServer):
    """Answers each path with ``answers[path]`` or ``answers["*"]``, or never (HANG)."""

    answers: dict[str, Answer]
    released: threading.Event


class _StubHandler(http.server.BaseHTTPRequestHandler):
    server: _Stub

    def do_GET(self) -> None:
        answers = self.server.answers
        status, headers, body = answers.get(self.path.split("?")[0], answers["*"])
        if status == HANG:
            self.server.released.wait()
            self.close_connection = True
            return
        self.send_response(status)
        for name, value in {"Content-Type": "text/html", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def standing_in(server: OwnServer, status: int, body: bytes = b"") -> Iterator[_Stub]:
    """The shelfsync server stopped, a stub answering ``status`` on its port; the
    server started again after."""
    server.stop()
    stub = _Stub(("127.0.0.1", server.port), _StubHandler)
    stub.answers = {"*": (status, {}, body)}
    stub.released = threading.Event()
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    try:
        yield stub
    finally:
        stub.released.set()
        stub.shutdown()
        stub.server_close()
        server.start()


def _started(page: Page, timeout: float = 10_000) -> None:
    try:
        page.wait_for_function("window.shelfsync && window.shelfsync.ready", timeout=timeout)
    except PlaywrightTimeoutError:
        said = page.locator("body").inner_text()[:200]
        pytest.fail(f"the app did not start from its cached shell; the page: {said!r}")


def _reload(page: Page) -> float:
    """Reload the app; the seconds until the page had an answer."""
    began = time.monotonic()
    try:
        page.reload(wait_until="commit", timeout=(SHELL_TIMEOUT_S + 7) * 1000)
    except PlaywrightTimeoutError:
        pytest.fail("the start page was still waiting for the network after 10 s")
    return time.monotonic() - began


@pytest.mark.parametrize(
    ("status", "body", "trouble"),
    [
        (502, b"<h1>502 Bad Gateway</h1>", "Sync problem: HTTP 502. Retrying."),
        (504, b"<h1>504 Gateway Time-out</h1>", "Sync problem: HTTP 504. Retrying."),
        (HANG, b"", None),  # the sync waits on its own timeout (30 s): "Syncing"
    ],
    ids=["bad-gateway", "gateway-timeout", "lie-fi"],
)
def test_the_cached_shell_starts_when_the_server_is_of_no_use(
    browser: Browser, own_server: OwnServer, status: int, body: bytes, trouble: str | None
) -> None:
    url = own_server.url
    (item,) = stocked_items(own_server.db, 1, skip=70)
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    login(page, url, "picker")
    open_app(page, url, "receive")  # the shell is cached, the device registered

    with standing_in(own_server, status, body):
        waited = _reload(page)
        _started(page)
        assert waited < SHELL_TIMEOUT_S + 3, f"the cached shell took {waited:.1f} s"
        expect(page.locator("#flash")).to_contain_text("Ready")
        assert page.evaluate("location.pathname") == "/app"
        if trouble:
            expect(page.locator("#alerts")).to_contain_text(trouble)
        else:
            expect(page.locator("#net")).to_have_text("Syncing")
        scan(page, "DOCK-1")
        scan(page, item["ean"])
        expect(page.locator("#pending")).to_have_text("1 to send")
        (waiting,) = sent_log(page)["outbox"]
        assert waiting["movement"]["item"] == item["sku"]

    # the server is back: the scan is sent and counts
    sync_now(page)
    wait_synced(page)
    (sent,) = sent_log(page)["sent"]
    assert sent["id"] == waiting["id"]
    stored = page.request.get(f"{url}/api/movements/{waiting['id']}").json()
    assert stored["outcome"] == "applied"
    context.close()


def test_what_the_server_says_on_purpose_reaches_the_page(
    browser: Browser, own_server: OwnServer
) -> None:
    """A redirect (the session has ended), 401 and 404 are not the shell's to hide."""
    url = own_server.url
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    login(page, url, "picker")
    open_app(page, url, "pick")

    with standing_in(own_server, 404, b"<h1>Not here</h1>") as stub:
        page.reload()
        expect(page.locator("h1")).to_have_text("Not here")
        assert page.evaluate("window.shelfsync === undefined")

        stub.answers = {"*": (401, {}, b"<h1>Who are you?</h1>")}
        page.reload()
        expect(page.locator("h1")).to_have_text("Who are you?")

        stub.answers = {
            "/app": (303, {"Location": "/login?next=%2Fapp"}, b""),
            "*": (200, {}, b"<h1>Log in</h1>"),
        }
        page.reload()
        expect(page.locator("h1")).to_have_text("Log in")
        assert page.evaluate("location.pathname + location.search") == "/login?next=%2Fapp"
        assert page.evaluate("window.shelfsync === undefined")
    context.close()
