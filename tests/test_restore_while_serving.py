"""``shelfsync restore`` refuses a database a server is running on: the server
keeps the old database's epoch and catalog in memory, so a restore under it
would mix two databases.  The lock goes with the server's process, however it
ends."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from liveserver import free_port, start_server

from server import cli
from server.database import Store
from sync.db import connect
from sync.meta import epoch


def _run(*args: str | Path) -> int:
    return cli.main([str(a) for a in args])


def _epoch(db: Path) -> str:
    conn = connect(db)
    try:
        return epoch(conn)
    finally:
        conn.close()


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, Path]:
    """A new database and a backup of it: (database, backup)."""
    db, backup = tmp_path / "served.db", tmp_path / "monday.db"
    assert _run("init", "--db", db) == 0
    assert _run("backup", backup, "--db", db) == 0
    return db, backup


def test_restore_is_refused_while_a_server_runs_and_works_once_it_is_killed(
    tmp_path: Path, saved: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, backup = saved
    before = _epoch(db)
    port = free_port()
    proc = start_server(db, port, tmp_path / "server.log")
    try:
        capsys.readouterr()
        assert _run("restore", backup, "--db", db) == 1
        err = capsys.readouterr().err
        assert f"a shelfsync server is using {db}: stop it first, then restore" in err
        assert _epoch(db) == before  # nothing was copied
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as res:
            assert res.status == 200  # and the server goes on
    finally:
        proc.kill()  # SIGKILL: no shutdown ran, yet the lock went with the process
        proc.wait(timeout=30)
    assert _run("restore", backup, "--db", db) == 0
    assert _epoch(db) not in (before, "")


def test_an_open_store_holds_the_database_until_it_closes(
    saved: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db, backup = saved
    store = Store(db, busy_timeout_ms=1000, synchronous="NORMAL")
    other = Store(db, busy_timeout_ms=1000, synchronous="NORMAL")  # servers share it
    store.close()
    assert _run("restore", backup, "--db", db) == 1  # the other still runs
    assert "stop it first" in capsys.readouterr().err
    other.close()
    assert _run("restore", backup, "--db", db) == 0
