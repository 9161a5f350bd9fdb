"""``shelfsync`` pointed at a file that is not its database: a clear ``error:``
line and exit code 1, never a traceback, and the file left as it was."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server import cli

ROOT = Path(__file__).resolve().parent.parent


def _refused(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    assert cli.main([str(a) for a in args]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.startswith("error: ")
    return captured.err


def test_an_empty_file_is_refused_and_stays_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    assert "is empty: not a shelfsync database" in _refused(capsys, "verify", "--db", empty)
    assert empty.stat().st_size == 0  # no tables were made in it


def test_another_programs_database_gets_none_of_our_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes(text TEXT)")
    conn.commit()
    conn.close()
    assert "is not a shelfsync database" in _refused(capsys, "export", "stock", "-", "--db", other)
    conn = sqlite3.connect(other)
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    conn.close()
    assert tables == ["notes"]


@pytest.mark.parametrize("what", ["text", "folder", "truncated"])
def test_a_file_sqlite_cannot_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    path = tmp_path / "x.db"
    if what == "text":
        path.write_text("name,qty\nbolt,3\n" * 100)
    elif what == "folder":
        path.mkdir()
    else:
        assert cli.main(["init", "--db", str(path)]) == 0
        capsys.readouterr()
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3] + b"\x00garbage" * 512)
    err = _refused(capsys, "verify", "--db", path)
    assert str(path) in err


def test_a_schema_another_version_made(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.db"
    assert cli.main(["init", "--db", str(path)]) == 0
    capsys.readouterr()
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER ledger_no_delete")
    conn.commit()
    conn.close()
    assert "schema differs" in _refused(capsys, "verify", "--db", path)


def test_export_into_a_pipe_that_closes_early(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    shelfsync = [sys.executable, "-m", "server.cli"]
    subprocess.run([*shelfsync, "demo", "--db", str(path)], cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    export = subprocess.Popen([*shelfsync, "export", "stock", "-", "--db", str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert export.stdout is not None and export.stderr is not None
    first = export.stdout.readline()  # what `| head -1` reads, then it goes
    export.stdout.close()
    err = export.stderr.read().decode()
    export.stderr.close()
    assert export.wait(timeout=60) == 1
    assert first.startswith(b"item,") and "Traceback" not in err
