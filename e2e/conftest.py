"""Browser tests: a real Chromium against a real server.

``live_server`` runs ``shelfsync demo`` and then ``shelfsync serve`` on a
temporary database and a free port of 127.0.0.1, in a subprocess, and yields
the server (base URL and database path) once ``/healthz`` answers.

Chromium comes from ``$CHROMIUM_PATH`` or Debian's package (see
``e2e/ensure_chromium.py``; ``make test`` sets the variable), because
Playwright cannot download its own browser everywhere.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ensure_chromium import find_chromium
from liveserver import ROOT, cli, free_port, server_env, start_server


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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("live_server")
    db, log = workdir / "shelfsync.db", workdir / "server.log"
    subprocess.run(cli("demo", "--db", str(db)), cwd=ROOT, env=server_env(), check=True,
                   capture_output=True)  # fmt: skip
    port = free_port()
    process = start_server(db, port, log)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", db, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class OwnServer:
    """A server of one test's own (a copy of the demo database), that the test may
    stop, restore from a backup and start again on the same port."""

    url: str
    db: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = start_server(self.db, self.port, self.log)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None

    def cli(self, *args: str) -> str:
        done = subprocess.run(cli(*args, "--db", str(self.db)), cwd=ROOT, env=server_env(),
                              check=True, capture_output=True, text=True)  # fmt: skip
        return done.stdout


@pytest.fixture
def own_server(live_server: LiveServer, tmp_path: Path) -> Iterator[OwnServer]:
    """A copy of the demo warehouse (``shelfsync backup`` of the shared server's
    database) served on its own port."""
    db = tmp_path / "own.db"
    subprocess.run(cli("backup", str(db), "--db", str(live_server.db)), cwd=ROOT,
                   env=server_env(), check=True, capture_output=True)  # fmt: skip
    port = free_port()
    server = OwnServer(f"http://127.0.0.1:{port}", db, port, tmp_path / "own.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def signed_in(
    browser: Any, live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """``signed_in(username, **context_options)``: a new browser context already
    logged in to the shared server (each demo user logs in once per session;
    its cookies are reused, as a browser keeps them)."""
    from pwa_helpers import login

    folder = tmp_path_factory.mktemp("logins")
    states: dict[str, Path] = {}

    def make(username: str, **options: Any) -> Any:
        if username not in states:
            context = browser.new_context()
            login(context.new_page(), live_server.url, username)
            states[username] = folder / f"{username}.json"
            context.storage_state(path=str(states[username]))
            context.close()
        return browser.new_context(storage_state=str(states[username]), **options)

    return make
