"""A webhook receiver on 127.0.0.1 for the tests: it checks signatures the way the
README tells an integrator to, and can be told to fail the first tries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    event_id: str
    event_type: str
    body: bytes
    signature_ok: bool
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    secret: str = ""
    fail_first: int = 0  # answer 500 to this many requests first
    seen: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, header: str, body: bytes) -> bool:
        parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
        t = parts.get("t", "")
        if not t.isdigit() or abs(time.time() - int(t)) > 300:
            return False
        mac = hmac.new(self.secret.encode(), t.encode() + b"." + body, hashlib.sha256)
        return hmac.compare_digest(mac.hexdigest(), parts.get("v1", ""))

    def answer(self, headers: Any, body: bytes) -> int:
        ok = self.verify(headers.get("Shelfsync-Signature", ""), body)
        with self.lock:
            code = 500 if len(self.seen) < self.fail_first else (200 if ok else 401)
            event_id = headers.get("Shelfsync-Event-Id", "")
            kind = headers.get("Shelfsync-Event-Type", "")
            self.seen.append(Received(event_id, kind, body, ok, code))
        return code

    def delivered(self) -> dict[str, Received]:
        """Accepted events by id, de-duplicated the way a receiver should."""
        with self.lock:
            return {r.event_id: r for r in self.seen if r.status == 200}

    def wait(self, done: Callable[[Receiver], bool], seconds: float = 15) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if done(self):
                return
            time.sleep(0.05)
        raise AssertionError(f"receiver saw {len(self.seen)} requests: {self.seen!r}"[:2000])


@contextmanager
def receiver(fail_first: int = 0) -> Iterator[Receiver]:
    box: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            code = box["r"].answer(self.headers, body)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box["r"] = Receiver(f"http://127.0.0.1:{server.server_address[1]}/hooks", fail_first=fail_first)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box["r"]
    finally:
        server.shutdown()
        server.server_close()
