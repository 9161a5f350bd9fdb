"""``shelfsync``: run the server and look after its database from a shell.

Each command is a thin function: it opens the database, calls one domain
function and says what happened.  Problems are printed as ``error: …`` on
standard error with exit status 1 (2 for a command line argparse refuses).
Every command takes ``--db PATH`` (default: ``SHELFSYNC_DB`` or
``data/shelfsync.db``).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from sync.db import connect, write_transaction
from sync.errors import ShelfsyncError
from sync.kinds import ROLES
from sync.meta import epoch
from sync.schema import migrate
from sync.verify import rebuild_stock, verify

from . import backup as backups
from . import csv_io
from .settings import Settings
from .users import add_user
from .vapid_keys import ensure_vapid_keys

__all__ = ["main", "build_parser"]


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        db=args.db, host=getattr(args, "host", None), port=getattr(args, "port", None)
    )


def _open(args: argparse.Namespace, *, create: bool = False) -> sqlite3.Connection:
    """The database, migrated; refuses to invent one unless ``create``.

    Without ``create`` the file must already be a shelfsync database: an empty
    file or another program's SQLite database is refused, not given our
    tables.  A file SQLite cannot use (not a database, damaged, a folder) or
    made by another version of shelfsync is a clear error, not a traceback.
    """
    settings = _settings(args)
    path = settings.db
    if not create and not path.exists():
        raise ShelfsyncError(f"no database at {path} (make one with: shelfsync init)")
    if not create and path.is_file() and path.stat().st_size == 0:
        raise ShelfsyncError(
            f"{path} is empty: not a shelfsync database (make one with: shelfsync init)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = connect(
            path, busy_timeout_ms=settings.busy_timeout_ms, synchronous=settings.synchronous
        )
        if not create and not _is_shelfsync(conn):
            conn.close()
            raise ShelfsyncError(f"{path} is not a shelfsync database")
        migrate(conn)
    except sqlite3.DatabaseError as exc:
        raise ShelfsyncError(f"{path} cannot be used as a database: {exc}") from None
    except RuntimeError as exc:  # migrate: a schema another version made
        raise ShelfsyncError(f"{path}: {exc}") from None
    return conn


def _is_shelfsync(conn: sqlite3.Connection) -> bool:
    """Whether shelfsync's migrations have run here (``init`` made it)."""
    try:
        found = conn.execute(
            "SELECT 1 FROM _sqlite_migrations WHERE migration_set = 'shelfsync' LIMIT 1"
        ).fetchone()
    except sqlite3.OperationalError:  # no such table: nobody's migrations, or another tool's
        return False
    return found is not None


def cmd_init(args: argparse.Namespace) -> int:
    conn = _open(args, create=True)
    with write_transaction(conn):
        made = ensure_vapid_keys(conn)
    print(f"database ready: {_settings(args).db} (epoch {epoch(conn)})")
    print("web push keys: made" if made else "web push keys: kept")
    conn.close()
    return 0


def _run_demo(conn: sqlite3.Connection, *, with_work: bool) -> None:
    from .demo import create_demo, format_logins
    from .demo_work import add_demo_work

    summary = create_demo(conn)
    outcomes = ", ".join(f"{n} {outcome}" for outcome, n in sorted(summary.outcomes.items()))
    print(
        f"demo warehouse MAIN: {summary.items} items, {summary.bins} bins,"
        f" {summary.locations} locations, {summary.movements} movements ({outcomes})"
    )
    if with_work:
        work = add_demo_work(conn)
        print(
            f"demo work: {len(work.orders)} orders ({len(work.backordered)} backordered),"
            f" pick lists {', '.join(work.pick_lists)} ({work.picker_list} given to picker),"
            f" {len(work.count_tasks)} count tasks for counter"
        )
    print(format_logins())


def cmd_demo(args: argparse.Namespace) -> int:
    conn = _open(args, create=True)
    try:
        _run_demo(conn, with_work=args.with_work)
    finally:
        conn.close()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .demo import database_is_empty, demo_logins_present, format_logins

    settings = _settings(args)
    conn = _open(args, create=True)
    try:
        if args.demo_if_empty and database_is_empty(conn):
            _run_demo(conn, with_work=True)
        elif args.demo_if_empty and demo_logins_present(conn):
            print(format_logins())
    finally:
        conn.close()
    print(f"shelfsync on http://{settings.host}:{settings.port}/  (database {settings.db})")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info",
                access_log=settings.access_log)  # fmt: skip
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    conn = _open(args)
    try:
        with write_transaction(conn):
            user = add_user(conn, args.name, args.role, args.password)
    finally:
        conn.close()
    print(f"user {user.username} added, role {user.role}")
    return 0


def _importer(what: str, fn: Callable[[sqlite3.Connection, str | Path], int]) -> Callable[..., int]:
    def run(args: argparse.Namespace) -> int:
        conn = _open(args)
        try:
            count = fn(conn, args.file)
        finally:
            conn.close()
        print(f"imported {count} {what} from {args.file}")
        return 0

    return run


def cmd_import_orders(args: argparse.Namespace) -> int:
    from .csv_orders import import_orders

    conn = _open(args)
    try:
        summary = import_orders(conn, args.file, by_user=args.user)
    finally:
        conn.close()
    statuses = ", ".join(f"{n} {status}" for status, n in sorted(summary.statuses.items()))
    print(
        f"imported {len(summary.created)} orders ({summary.rows} rows) from {args.file}"
        + (f": {statuses}" if statuses else "")
        + (f"; {len(summary.already)} already there, unchanged" if summary.already else "")
    )
    return 0


def cmd_export_stock(args: argparse.Namespace) -> int:
    conn = _open(args)
    try:
        count = csv_io.export_stock(conn, args.file)
    finally:
        conn.close()
    if args.file != "-":
        print(f"exported {count} stock rows to {args.file}")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    conn = _open(args)
    try:
        differences = verify(conn)
        if not differences:
            print("clean: stock matches the ledger")
            return 0
        print(f"{len(differences)} difference(s) between stock and the ledger:")
        for line in differences:
            print(f"  {line}")
        if args.repair:
            changed = rebuild_stock(conn)
            print(f"repaired: {changed} stock row(s) rebuilt from the ledger; new epoch,"
                  " so every device pulls afresh")  # fmt: skip
        return 1
    finally:
        conn.close()


def cmd_backup(args: argparse.Namespace) -> int:
    conn = _open(args)
    try:
        dest = backups.backup(conn, args.file, overwrite=args.force)
    finally:
        conn.close()
    print(f"backup written to {dest}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    db = _settings(args).db
    value = backups.restore(args.backup, db)
    print(f"restored {args.backup} into {db}; new epoch {value}")
    print("devices will pull with reset on their next sync and push their pending movements again")
    return 0


def _add_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    run: Callable[[argparse.Namespace], int],
    summary: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    parser = commands.add_parser(
        name,
        help=summary,
        description=description or summary,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="SQLite database file (default: $SHELFSYNC_DB or data/shelfsync.db)",
    )
    parser.set_defaults(run=run)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shelfsync",
        description="Offline-first warehouse system: the server and its database.",
        epilog="Run 'shelfsync COMMAND --help' for the options of one command.",
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    serve = _add_command(commands, "serve", cmd_serve, "run the web server (uvicorn)")
    serve.add_argument(
        "--host", help="address to listen on (default: $SHELFSYNC_HOST or 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, help="port (default: $SHELFSYNC_PORT or 8000)")
    serve.add_argument(
        "--demo-if-empty",
        action="store_true",
        help="if the database is new or empty, fill it with the demo warehouse and work"
        " waiting on its floor (shelfsync demo --with-work) first",
    )
    _add_command(commands, "init", cmd_init, "create the database, or bring its schema up to date")
    demo = _add_command(
        commands,
        "demo",
        cmd_demo,
        "fill an empty database with the demo warehouse and logins",
        "Create warehouse MAIN with bins, 1,000 items, stock received and put away through\n"
        "movements, and one login per role.  Refuses a database that already has items.",
    )
    demo.add_argument(
        "--with-work",
        action="store_true",
        help="also a dozen orders, a wave with a pick list given to picker, and count tasks"
        " for counter",
    )

    user = commands.add_parser("user", help="manage users", description="Manage users.")
    user_commands = user.add_subparsers(title="commands", metavar="COMMAND", required=True)
    user_add = _add_command(user_commands, "add", cmd_user_add, "add a user who can log in")
    user_add.add_argument("name", help="username: letters, digits, '.', '_' or '-'")
    user_add.add_argument("--role", required=True, choices=ROLES, help="what the user may do")
    user_add.add_argument("--password", required=True, help="at least 8 characters")

    imports = commands.add_parser(
        "import",
        help="import the catalog or orders from CSV",
        description="Import the catalog or orders from CSV.",
    )
    import_commands = imports.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for what, fn, columns in (
        ("items", csv_io.import_items, csv_io.ITEM_COLUMNS),
        ("locations", csv_io.import_locations, csv_io.LOCATION_COLUMNS),
    ):
        sub = _add_command(
            import_commands,
            what,
            _importer(what, fn),
            f"create or update {what} from a CSV file",
            f"Create or update {what} from a CSV file with a header row.\n\n"
            f"Columns: {', '.join(columns)}\n\n"
            "Every row is checked first; one bad row imports nothing.  Updating a row\n"
            "changes only the columns the file has: one left out keeps the stored value,\n"
            "an empty cell clears it.",
        )
        sub.add_argument("file", metavar="FILE.csv")
    from .csv_orders import ORDER_COLUMNS

    sub = _add_command(
        import_commands,
        "orders",
        cmd_import_orders,
        "create and allocate orders from a CSV file (one row per order line)",
        "Create and allocate orders from a CSV file with a header row, one row per\n"
        "order line; rows with the same channel and external_ref are one order.\n\n"
        f"Columns: {', '.join(ORDER_COLUMNS)}\n\n"
        "Every row is checked first; one bad row imports nothing.  An order already\n"
        "imported with the same content is left as it is.",
    )
    sub.add_argument("file", metavar="FILE.csv")
    sub.add_argument("--user", default="csv-import", help="who the orders are recorded as made by")

    exports = commands.add_parser("export", help="export to CSV", description="Export to CSV.")
    export_commands = exports.add_subparsers(title="commands", metavar="COMMAND", required=True)
    stock = _add_command(
        export_commands,
        "stock",
        cmd_export_stock,
        "write stock on hand to a CSV file",
        "Write stock on hand at real locations: item, location, lot, on_hand.",
    )
    stock.add_argument("file", metavar="FILE.csv", help="'-' writes to standard output")

    verify_cmd = _add_command(
        commands,
        "verify",
        cmd_verify,
        "check that the stock table equals the stock rebuilt from the ledger",
        "Check that the stock table equals the stock rebuilt from the ledger.\n"
        "Exit status 0 when clean; 1, with every difference listed, when not.",
    )
    verify_cmd.add_argument(
        "--repair",
        action="store_true",
        help="after listing the differences, rebuild the stock table from the ledger",
    )
    backup = _add_command(
        commands,
        "backup",
        cmd_backup,
        "write a consistent copy of the database (safe while the server runs)",
    )
    backup.add_argument("file", metavar="FILE")
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    restore = _add_command(
        commands,
        "restore",
        cmd_restore,
        "replace the database with a backup (stop the server!)",
        "Copy BACKUP over the database and give it a new epoch, so devices reset and\n"
        "push again what the backup does not have.  Stop the server first.",
    )
    restore.add_argument("backup", metavar="BACKUP")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ShelfsyncError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for line in exc.errors:
            print(f"  {line}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # ``export stock - | head``: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # no second error when Python flushes stdout
        return 1


if __name__ == "__main__":
    sys.exit(main())
