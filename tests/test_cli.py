"""The ``shelfsync`` command line, run in-process through ``main([...])``."""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server import cli
from sync.db import connect
from sync.local import post_local
from sync.meta import epoch

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = [
    ["serve"],
    ["init"],
    ["demo"],
    ["user", "add"],
    ["import", "items"],
    ["import", "locations"],
    ["import", "orders"],
    ["export", "stock"],
    ["verify"],
    ["backup"],
    ["restore"],
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"


@pytest.fixture
def open_db(db: Path) -> Iterator[Any]:
    opened: list[sqlite3.Connection] = []

    def open_() -> sqlite3.Connection:
        opened.append(connect(db))
        return opened[-1]

    yield open_
    for conn in opened:
        conn.close()


def run(*args: str | Path) -> int:
    return cli.main([str(a) for a in args])


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def stocked(db: Path, tmp_path: Path, open_db: Any) -> Path:
    """A database with two locations, an item and 12 units put away."""
    assert run("init", "--db", db) == 0
    locations = write(tmp_path / "l.csv", "code,kind,warehouse\nDOCK-1,receiving,W\nA-1,pick,W\n")
    assert run("import", "locations", locations, "--db", db) == 0
    assert run("import", "items", write(tmp_path / "i.csv", "sku,name\nS-1,One\n"), "--db", db) == 0
    results = post_local(
        open_db(),
        [
            {"kind": "receive", "item": "S-1", "to": "DOCK-1", "qty": 12},
            {"kind": "putaway", "item": "S-1", "from": "DOCK-1", "to": "A-1", "qty": 12},
        ],
        user="test",
    )
    assert {r["outcome"] for r in results} == {"applied"}
    return db


def test_help_as_a_subprocess() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: shelfsync")
    for command in ("serve", "init", "demo", "user", "import", "export", "verify", "backup"):
        assert command in done.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help_and_db(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        run(*command, "--help")
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: shelfsync {' '.join(command)}")
    assert "--db PATH" in out


def test_init_then_commands_need_a_database(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("verify", "--db", db) == 1
    assert "no database at" in capsys.readouterr().err
    assert not db.exists()
    assert run("init", "--db", db) == 0
    assert "database ready" in capsys.readouterr().out
    assert run("init", "--db", db) == 0  # again: nothing to do, no harm


def test_db_from_the_environment(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHELFSYNC_DB", str(db))
    assert run("init") == 0
    assert db.exists()


def test_user_add(db: Path, open_db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    run("init", "--db", db)
    assert run("user", "add", "ana", "--role", "picker", "--password", "s3cret-pw", "--db", db) == 0
    assert "user ana added, role picker" in capsys.readouterr().out
    row = open_db().execute("SELECT role FROM users WHERE username = 'ana'").fetchone()
    assert row[0] == "picker"
    assert run("user", "add", "ana", "--role", "admin", "--password", "s3cret-pw", "--db", db) == 1
    assert "already taken" in capsys.readouterr().err
    assert run("user", "add", "bo", "--role", "admin", "--password", "short", "--db", db) == 1
    assert "at least 8 characters" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        run("user", "add", "cy", "--role", "boss", "--password", "long-enough", "--db", db)
    assert exc.value.code == 2


def test_import_with_a_bad_row_imports_nothing(
    db: Path, tmp_path: Path, open_db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    run("init", "--db", db)
    path = write(tmp_path / "items.csv", "sku,name,reorder_qty\nS-1,One,5\nS-2,Two,lots\n")
    assert run("import", "items", path, "--db", db) == 1
    err = capsys.readouterr().err
    assert "nothing imported" in err
    assert "row 3, column reorder_qty: expected a whole number >= 0, not 'lots'" in err
    assert open_db().execute("SELECT count(*) FROM items").fetchone()[0] == 0


def test_export_stock(stocked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "stock.csv"
    assert run("export", "stock", out, "--db", stocked) == 0
    assert out.read_text().splitlines() == ["item,location,lot,on_hand", "S-1,A-1,,12"]
    capsys.readouterr()
    assert run("export", "stock", "-", "--db", stocked) == 0
    assert capsys.readouterr().out.splitlines() == ["item,location,lot,on_hand", "S-1,A-1,,12"]


def test_export_stock_writes_text_no_spreadsheet_runs(
    stocked: Path, tmp_path: Path, open_db: Any
) -> None:
    """A lot is whatever a device sent: in a spreadsheet it must stay text."""
    items = write(tmp_path / "lots.csv", "sku,name,tracking\nS-L,Glue,lot\n")
    assert run("import", "items", items, "--db", stocked) == 0
    lot = '=HYPERLINK("http://example.com","y")'
    [result] = post_local(open_db(), [{"kind": "receive", "item": "S-L", "lot": lot,
                                       "to": "DOCK-1", "qty": 3}], user="test")  # fmt: skip
    assert result["outcome"] == "applied", result
    out = tmp_path / "stock.csv"
    assert run("export", "stock", out, "--db", stocked) == 0
    rows = list(csv.reader(out.read_text().splitlines()))
    assert ["S-L", "DOCK-1", "'" + lot, "3"] in rows
    assert ["S-1", "A-1", "", "12"] in rows  # the rest as it was


def test_verify(stocked: Path, open_db: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("verify", "--db", stocked) == 0
    assert "clean" in capsys.readouterr().out
    open_db().execute("UPDATE stock SET on_hand = on_hand + 1")  # what code must never do
    assert run("verify", "--db", stocked) == 1
    out = capsys.readouterr().out
    assert "stock of S-1 at A-1 is 13 but the ledger says 12" in out
    before = epoch(open_db())
    assert run("verify", "--repair", "--db", stocked) == 1  # it reports what it found
    assert "repaired: 3 stock row(s)" in capsys.readouterr().out
    assert run("verify", "--db", stocked) == 0
    assert epoch(open_db()) != before  # devices will pull afresh


def test_backup_and_restore_gives_a_new_epoch(
    stocked: Path, tmp_path: Path, open_db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = open_db()
    before = epoch(conn)
    saved = tmp_path / "backups" / "monday.db"
    saved.parent.mkdir()
    assert run("backup", saved, "--db", stocked) == 0
    assert run("backup", saved, "--db", stocked) == 1  # never overwritten by accident
    assert "already exists" in capsys.readouterr().err
    assert run("backup", saved, "--force", "--db", stocked) == 0

    # more happens after the backup
    post_local(
        conn,
        [{"kind": "transfer", "item": "S-1", "from": "A-1", "to": "DOCK-1", "qty": 2}],
        user="test",
    )
    conn.close()

    assert run("restore", saved, "--db", stocked) == 0
    assert "new epoch" in capsys.readouterr().out
    restored = open_db()
    assert epoch(restored) not in (before, "")
    stock = restored.execute(
        "SELECT on_hand FROM stock s JOIN locations l ON l.id = s.location_id WHERE l.code = 'A-1'"
    ).fetchone()
    assert stock[0] == 12
    assert run("verify", "--db", stocked) == 0


def test_restore_refuses_what_is_not_a_backup(
    stocked: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = write(tmp_path / "junk.db", "not a database at all, just some text" * 200)
    assert run("restore", junk, "--db", stocked) == 1
    assert "junk.db" in capsys.readouterr().err
    assert run("restore", tmp_path / "missing.db", "--db", stocked) == 1
    assert run("restore", stocked, "--db", stocked) == 1


def test_demo_and_serve_demo_if_empty(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: served.append(kw))
    assert run("serve", "--demo-if-empty", "--port", "8123", "--db", db) == 0
    out = capsys.readouterr().out
    assert "demo warehouse MAIN: 1000 items" in out
    assert "picker / picker-demo" in out
    assert "demo work: 12 orders (1 backordered), pick lists PL-1" in out
    assert "(PL-1 given to picker), 3 count tasks for counter" in out
    assert served == [{"host": "127.0.0.1", "port": 8123, "log_level": "info", "access_log": True}]

    assert run("serve", "--demo-if-empty", "--db", db) == 0  # second start: no new demo
    out = capsys.readouterr().out
    assert "demo warehouse" not in out and "picker / picker-demo" in out
    assert run("demo", "--db", db) == 1
    assert "already has items" in capsys.readouterr().err


def test_init_makes_web_push_keys_once_and_never_prints_them(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("init", "--db", db) == 0
    out = capsys.readouterr().out
    assert "web push keys: made" in out
    conn = sqlite3.connect(db)
    private, public = (
        conn.execute(f"SELECT value FROM meta WHERE key = 'vapid_{k}_key'").fetchone()[0]
        for k in ("private", "public")
    )
    conn.close()
    assert private not in out and len(public) == 87  # a P-256 point, base64url
    assert run("init", "--db", db) == 0
    assert "web push keys: kept" in capsys.readouterr().out


@pytest.mark.parametrize(("setting", "logged"), [(None, True), ("false", False)])
def test_serve_logs_each_request_unless_told_not_to(
    tmp_path: Path, setting: str | None, logged: bool
) -> None:
    from liveserver import free_port, start_server

    port, log = free_port(), tmp_path / "server.log"
    env = {} if setting is None else {"SHELFSYNC_ACCESS_LOG": setting}
    proc = start_server(tmp_path / "served.db", port, log, env)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz?probe=1", timeout=5) as res:
            assert res.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    text = log.read_text()
    assert "Application startup complete" in text  # uvicorn's own log is kept either way
    assert ('"GET /healthz?probe=1 HTTP/1.1" 200' in text) is logged


def _location(conn: sqlite3.Connection, code: str) -> tuple[Any, ...]:
    return tuple(
        conn.execute(
            "SELECT l.kind, l.barcode, w.code, l.zone, l.pick_seq FROM locations l"
            " LEFT JOIN warehouses w ON w.id = l.warehouse_id WHERE l.code = ?",
            (code,),
        ).fetchone()
    )


@pytest.mark.parametrize("virtual", ["SUPPLIER", "CUSTOMER", "INVENTORY", "SCRAP"])
def test_importing_a_virtual_location_is_refused_and_changes_nothing(
    stocked: Path, tmp_path: Path, open_db: Any, capsys: pytest.CaptureFixture[str], virtual: str
) -> None:
    before = sorted(map(tuple, open_db().execute("SELECT * FROM locations")))
    path = write(tmp_path / "v.csv", f"code,kind\nB-1,pick\n{virtual},pick\n")
    assert run("import", "locations", path, "--db", stocked) == 1
    err = capsys.readouterr().err
    assert f"row 3: code: {virtual} is one of the ledger's virtual locations" in err
    assert "nothing imported" in err
    assert sorted(map(tuple, open_db().execute("SELECT * FROM locations"))) == before
    assert run("verify", "--db", stocked) == 0
    capsys.readouterr()
    assert run("export", "stock", "-", "--db", stocked) == 0
    assert capsys.readouterr().out.splitlines() == ["item,location,lot,on_hand", "S-1,A-1,,12"]


def test_updating_locations_keeps_the_columns_the_file_leaves_out(
    stocked: Path, tmp_path: Path, open_db: Any
) -> None:
    full = "code,kind,barcode,warehouse,zone,pick_seq\nA-1,pick,LA1,W,A,10\n"
    assert run("import", "locations", write(tmp_path / "f.csv", full), "--db", stocked) == 0
    assert run("import", "locations", write(tmp_path / "k.csv", "code,kind\nA-1,reserve\n"),
               "--db", stocked) == 0  # fmt: skip
    assert _location(open_db(), "A-1") == ("reserve", "LA1", "W", "A", 10)
    # the bin's barcode still resolves
    [moved] = post_local(open_db(), [{"kind": "transfer", "item": "S-1", "from": "LA1",
                                      "to": "DOCK-1", "qty": 2}], user="test")  # fmt: skip
    assert moved["outcome"] == "applied", moved
    # a column that is there but empty clears just that value
    empty = write(tmp_path / "e.csv", "code,kind,zone\nA-1,pick,\n")
    assert run("import", "locations", empty, "--db", stocked) == 0
    assert _location(open_db(), "A-1") == ("pick", "LA1", "W", None, 10)


def test_updating_items_keeps_the_columns_the_file_leaves_out(
    stocked: Path, tmp_path: Path, open_db: Any
) -> None:
    header = "sku,name,unit,expiry_tracked,reorder_point,reorder_qty,item_class,unit_cost,barcodes"
    full = write(tmp_path / "f.csv", f"{header}\nS-1,One,box,yes,5,20,b,2.5,5901234123457\n")
    assert run("import", "items", full, "--db", stocked) == 0
    some = write(tmp_path / "s.csv", "sku,name,tracking\nS-1,One renamed,none\n")
    assert run("import", "items", some, "--db", stocked) == 0
    query = ("SELECT name, unit, tracking, expiry_tracked, reorder_point, reorder_qty,"
             " item_class, unit_cost FROM items WHERE sku = 'S-1'")  # fmt: skip
    assert tuple(open_db().execute(query).fetchone()) == (
        "One renamed", "box", "none", 1, 5, 20, "B", 2.5)  # fmt: skip
    assert [r[0] for r in open_db().execute("SELECT code FROM item_barcodes")] == ["5901234123457"]
    empty = write(tmp_path / "e.csv", "sku,name,unit,reorder_point\nS-1,One,,\n")
    assert run("import", "items", empty, "--db", stocked) == 0
    assert tuple(open_db().execute(query).fetchone()) == (
        "One", "ea", "none", 1, None, 20, "B", 2.5)  # fmt: skip


@pytest.mark.parametrize("tracking", ["lot", "serial"])
def test_tracking_cannot_change_while_stock_would_be_stranded(
    stocked: Path, tmp_path: Path, open_db: Any, capsys: pytest.CaptureFixture[str], tracking: str
) -> None:
    path = write(tmp_path / "t.csv", f"sku,name,tracking\nS-2,Two,{tracking}\nS-1,One,{tracking}\n")
    assert run("import", "items", path, "--db", stocked) == 1
    err = capsys.readouterr().err
    assert (f"row 3: tracking: S-1 holds units without a {tracking} at A-1 (12), which could"
            f" never be moved or counted once it is {tracking}-tracked") in err  # fmt: skip
    assert "nothing imported" in err
    assert [tuple(r) for r in open_db().execute("SELECT sku, tracking FROM items")] == [
        ("S-1", "none")]  # fmt: skip
    # with its stock adjusted away, the item may change
    post_local(open_db(), [{"kind": "adjust", "item": "S-1", "from": "A-1", "qty": 12,
                            "reason": "relabel with lots"}], user="test")  # fmt: skip
    assert run("import", "items", path, "--db", stocked) == 0
    assert open_db().execute("SELECT tracking FROM items WHERE sku = 'S-1'").fetchone()[0] == (
        tracking)  # fmt: skip
