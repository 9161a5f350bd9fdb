"""The database schema, as ``sqlite_utils.Migrations``.

A released migration is never edited: add a new one below it.  ``migrate``
also makes the per-database facts that must exist (the epoch, the counters,
the virtual locations, the server's own device).

Conventions:

- ``server_seq`` on a row is the sequence number of its last change; pull
  returns rows changed after a cursor.  One counter (``counters.server_seq``)
  hands these out inside write transactions, so they follow commit order.
- ``lot`` is ``''`` (never NULL) in keys, so "no lot" is a single key.
- The ledger is append-only: triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

import sqlite3
import uuid

from sqlite_utils import Database, Migrations

from .clock import iso_now
from .kinds import LOCATION_KINDS, LOT_STATUSES, ROLES, TRACKING_MODES, VIRTUAL_LOCATIONS

__all__ = ["migrations", "migrate", "check_schema", "SERVER_DEVICE_NAME"]

SERVER_DEVICE_NAME = "server"

migrations = Migrations("shelfsync")


def _in(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


@migrations()
def m001_core(db: Database) -> None:
    db.executescript(
        f"""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);

        CREATE TABLE warehouses (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL
        );
        CREATE TABLE locations (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE,
            barcode TEXT UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN {_in(LOCATION_KINDS)}),
            warehouse_id INTEGER REFERENCES warehouses(id),
            zone TEXT,
            pick_seq INTEGER,
            active INTEGER NOT NULL DEFAULT 1,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX locations_server_seq ON locations(server_seq);

        CREATE TABLE items (
            id INTEGER PRIMARY KEY,
            sku TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL,
            unit TEXT NOT NULL DEFAULT 'ea',
            tracking TEXT NOT NULL DEFAULT 'none' CHECK (tracking IN {_in(TRACKING_MODES)}),
            expiry_tracked INTEGER NOT NULL DEFAULT 0,
            reorder_point INTEGER,
            reorder_qty INTEGER,
            item_class TEXT,
            unit_cost REAL,
            active INTEGER NOT NULL DEFAULT 1,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX items_server_seq ON items(server_seq);
        CREATE TABLE item_barcodes (
            code TEXT PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id),
            pack_qty INTEGER NOT NULL DEFAULT 1 CHECK (pack_qty > 0)
        );
        CREATE INDEX item_barcodes_item ON item_barcodes(item_id);
        CREATE TABLE lots (
            id INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL REFERENCES items(id),
            code TEXT NOT NULL,
            expiry TEXT,
            status TEXT NOT NULL DEFAULT 'ok' CHECK (status IN {_in(LOT_STATUSES)}),
            server_seq INTEGER NOT NULL,
            UNIQUE (item_id, code)
        );
        CREATE INDEX lots_server_seq ON lots(server_seq);

        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN {_in(ROLES)}),
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL
        );

        CREATE TABLE devices (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            username TEXT,
            token_hash TEXT NOT NULL UNIQUE,
            created_at TEXT NOT NULL,
            revoked_at TEXT,
            last_seq INTEGER NOT NULL DEFAULT 0,
            last_event_ms INTEGER,
            clock_offset_ms INTEGER,
            last_push_at TEXT,
            last_pull_at TEXT,
            app_version TEXT,
            pending INTEGER,
            oldest_pending_at TEXT
        );
        CREATE TABLE enrolment_codes (
            code_hash TEXT PRIMARY KEY,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            used_at TEXT,
            device_id TEXT
        );
        CREATE TABLE device_clock (
            id INTEGER PRIMARY KEY,
            device_id TEXT NOT NULL,
            server_time TEXT NOT NULL,
            device_time TEXT NOT NULL,
            offset_ms INTEGER NOT NULL
        );
        CREATE INDEX device_clock_device ON device_clock(device_id, id);

        -- Every movement the server answered for, whatever its outcome, forever.
        -- server_seq is the rowid: the table grows at its end, in commit order.
        CREATE TABLE movements (
            server_seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            status_seq INTEGER NOT NULL,
            kind TEXT NOT NULL,
            user TEXT,
            recorded_at TEXT,
            event_ms INTEGER NOT NULL,
            time_uncertain INTEGER NOT NULL DEFAULT 0,
            received_at TEXT NOT NULL,
            basis INTEGER NOT NULL DEFAULT 0,
            item_id INTEGER,
            lot TEXT NOT NULL DEFAULT '',
            from_id INTEGER,
            to_id INTEGER,
            units INTEGER,
            outcome TEXT NOT NULL,
            state TEXT NOT NULL,
            code TEXT,
            message TEXT,
            digest TEXT NOT NULL,
            payload TEXT NOT NULL,
            UNIQUE (device_id, seq)
        );
        CREATE INDEX movements_status ON movements(device_id, status_seq);

        -- A seq the device spent on a resend of a movement already stored
        -- under another seq (same id, same content).
        -- A seq whose movement reused an id with other content (ID_REUSED).
        CREATE TABLE seq_aliases (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            movement_id TEXT NOT NULL,
            rejected TEXT,
            PRIMARY KEY (device_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE movement_failures (
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL,
            movement_id TEXT NOT NULL,
            tries INTEGER NOT NULL,
            last_error TEXT NOT NULL,
            PRIMARY KEY (device_id, seq)
        ) WITHOUT ROWID;

        -- The append-only ledger.  server_seq: the posting that wrote the entry;
        -- movement_seq: the movement whose place in the movement order the entry
        -- takes; cause_seq, for re-adjustments: the late movement that made it
        -- necessary.  Movements are referred to by server_seq (an integer that
        -- grows) rather than by UUID, so the indexes grow at their ends.
        CREATE TABLE ledger (
            id INTEGER PRIMARY KEY,
            server_seq INTEGER NOT NULL,
            movement_seq INTEGER NOT NULL,
            cause_seq INTEGER,
            entry TEXT NOT NULL,
            item_id INTEGER NOT NULL,
            location_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL,
            posted_at TEXT NOT NULL
        );
        CREATE INDEX ledger_key ON ledger(item_id, location_id, lot, server_seq);
        CREATE INDEX ledger_seq ON ledger(server_seq);
        CREATE INDEX ledger_movement ON ledger(movement_seq);
        CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

        -- The projection of the ledger.  last_count_seq: server_seq of the
        -- latest count posted here (a fast "no count to place against" check).
        -- Pull finds changed rows through ledger_seq, so server_seq is not
        -- indexed here (an index on it would be rewritten at random on every
        -- posting).
        CREATE TABLE stock (
            item_id INTEGER NOT NULL,
            location_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            on_hand INTEGER NOT NULL,
            last_count_seq INTEGER,
            server_seq INTEGER NOT NULL,
            PRIMARY KEY (item_id, location_id, lot)
        ) WITHOUT ROWID;
        CREATE INDEX stock_location ON stock(location_id);

        -- Posted counts, by the place they assert something about.
        CREATE TABLE counts (
            movement_seq INTEGER PRIMARY KEY,
            item_id INTEGER NOT NULL,
            location_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            counted INTEGER NOT NULL,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX counts_key ON counts(item_id, location_id, lot, server_seq);

        CREATE TABLE count_tolerances (
            id INTEGER PRIMARY KEY,
            location_kind TEXT,
            item_class TEXT,
            max_units INTEGER,
            max_percent REAL,
            max_value REAL,
            UNIQUE (location_kind, item_class)
        );

        CREATE TABLE conflicts (
            id INTEGER PRIMARY KEY,
            movement_seq INTEGER NOT NULL,
            code TEXT NOT NULL,
            state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'resolved')),
            message TEXT,
            item_id INTEGER,
            location_id INTEGER,
            device_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX conflicts_movement ON conflicts(movement_seq);
        CREATE INDEX conflicts_open ON conflicts(state, code);

        CREATE TABLE resolutions (
            id TEXT PRIMARY KEY,
            conflict_id INTEGER REFERENCES conflicts(id),
            movement_seq INTEGER NOT NULL,
            action TEXT NOT NULL,
            reason TEXT NOT NULL,
            by_user TEXT NOT NULL,
            at TEXT NOT NULL,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX resolutions_movement ON resolutions(movement_seq);
        """
    )


def _ensure_facts(conn: sqlite3.Connection) -> None:
    """Rows every database needs, made once (idempotent)."""
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('epoch', ?)", (str(uuid.uuid4()),))
    for name in ("server_seq", "catalog_version"):
        conn.execute("INSERT OR IGNORE INTO counters(name, value) VALUES (?, 0)", (name,))
    for code in VIRTUAL_LOCATIONS:
        conn.execute(
            "INSERT OR IGNORE INTO locations(code, kind, server_seq) VALUES (?, 'virtual', 0)",
            (code,),
        )
    conn.execute(
        "INSERT OR IGNORE INTO count_tolerances(location_kind, item_class, max_units, max_percent)"
        " SELECT NULL, NULL, 5, 10.0"
        " WHERE NOT EXISTS (SELECT 1 FROM count_tolerances"
        "                   WHERE location_kind IS NULL AND item_class IS NULL)"
    )
    if conn.execute("SELECT 1 FROM meta WHERE key = 'server_device_id'").fetchone() is None:
        device_id = str(uuid.uuid4())
        # The server's own device posts what people change in the web UI.
        # Its token hash is unguessable and never handed out.
        conn.execute(
            "INSERT INTO devices(id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
            (device_id, SERVER_DEVICE_NAME, "!server:" + uuid.uuid4().hex, iso_now()),
        )
        conn.execute("INSERT INTO meta(key, value) VALUES ('server_device_id', ?)", (device_id,))


def _schema(conn: sqlite3.Connection) -> set[tuple[str, str, str]]:
    return {
        (row[0], row[1], " ".join(row[2].split()))
        for row in conn.execute(
            "SELECT type, name, sql FROM sqlite_master"
            " WHERE sql IS NOT NULL AND name NOT LIKE '\\_sqlite\\_%' ESCAPE '\\'"
        )
    }


def check_schema(conn: sqlite3.Connection) -> None:
    """Refuse a database whose schema is not what the migrations make.

    A migration edited after a database applied it would otherwise go
    unnoticed until the first write failed.
    """
    fresh = sqlite3.connect(":memory:")
    try:
        migrations.apply(Database(fresh))
        expected = _schema(fresh)
    finally:
        fresh.close()
    found = _schema(conn)
    if found != expected:
        names = sorted({name for _, name, _ in found ^ expected})
        raise RuntimeError(
            "the database's schema differs from what its migrations make"
            f" ({', '.join(names)}): it was made by another version of shelfsync"
        )


def migrate(conn: sqlite3.Connection) -> None:
    """Apply pending migrations, check the schema, make the per-database facts."""
    db = Database(conn)
    migrations.apply(db)
    check_schema(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        _ensure_facts(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


# The order side's migrations, and later ones, register themselves after the core ones.
from . import schema_orders, schema_push_speed  # noqa: E402, F401

# isort: split
from . import schema_count_tasks  # noqa: E402, F401

# The console's m008 uses count_tasks, made by the floor app's m006: keep it after.
# isort: split
from . import schema_console  # noqa: E402, F401

# isort: split
from . import schema_fulfilment  # noqa: E402, F401  (alters order_lines: after the orders)

# After schema_orders (m004 alters its pick_tasks), so not in sorted order.
# isort: split
from . import schema_intake  # noqa: E402, F401

# The floor app's pull additions (pick list handoffs, RMAs by server_seq).
# isort: split
from . import schema_floor  # noqa: E402, F401

# isort: split
from . import schema_order_speed  # noqa: E402, F401  (m011: replaces an index of m002)

# m010: pick lists done, cartons unpacked, line_packed.
# isort: split
from . import schema_lifecycle  # noqa: E402, F401

# m013 alters count_tasks (m006) and the console's tables.
# isort: split
from . import schema_recounts  # noqa: E402, F401

# m014 alters cartons (m003).
# isort: split
from . import schema_device_cartons  # noqa: E402, F401

# m015 indexes movements (m001).
# isort: split
from . import schema_rejected  # noqa: E402, F401
