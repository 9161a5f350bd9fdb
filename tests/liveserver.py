"""A real shelfsync server process on 127.0.0.1, for tests that need one.

Used by the crash and oversell tests and by the browser tests' ``live_server``
fixture.  The server's output goes to a log file, which is quoted when it
fails to start.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30

__all__ = ["ROOT", "cli", "server_env", "free_port", "start_server"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli(*args: str) -> list[str]:
    """The command line of ``shelfsync ARGS`` with this interpreter."""
    return [sys.executable, "-m", "server.cli", *args]


def server_env() -> dict[str, str]:
    """This environment without SHELFSYNC_* settings (a test says what it wants)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFSYNC_")}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def start_server(
    db: Path, port: int, log: Path | None = None, settings: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``shelfsync serve`` on ``db``; returns once it answers /healthz.  ``settings``
    are extra environment variables (``{"SHELFSYNC_PUSH_INTERVAL_SECONDS": "1"}``)."""
    log = log or db.with_suffix(".server.log")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cli("serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)),
            cwd=ROOT,
            env={**server_env(), **(settings or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as res:
                if res.status == 200:
                    return proc
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"the server did not answer in {STARTUP_SECONDS} s:\n{log.read_text()}")
