"""Browser tests: a real Chromium against a real server.

``live_server`` runs ``shelfsync demo`` and then ``shelfsync serve`` on a
temporary database and a free port of 127.0.0.1, in a subprocess, and yields
the server (base URL and database path) once ``/healthz`` answers.

Chromium comes from ``$CHROMIUM_PATH`` or Debian's package (see
``e2e/ensure_chromium.py``; ``make test`` sets the variable), because
Playwright cannot download its own browser everywhere.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ensure_chromium import find_chromium

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 30


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments, plus our Chromium and quiet flags."""
    args = dict(browser_type_launch_args)
    path = find_chromium(include_playwright=False)
    if path:
        args["executable_path"] = path
    args["args"] = [
        *args.get("args", []),
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ]
    return args


@dataclass(frozen=True)
class LiveServer:
    url: str
    db: Path
    log: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "server.cli", *args]


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer in {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("live_server")
    db, log = workdir / "shelfsync.db", workdir / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHELFSYNC_")}
    env["PYTHONUNBUFFERED"] = "1"
    subprocess.run(
        _cli("demo", "--db", str(db)), cwd=ROOT, env=env, check=True, capture_output=True
    )
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            _cli("serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(url, process, log)
        yield LiveServer(url, db, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
