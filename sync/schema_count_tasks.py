"""Migration of count tasks: a bin (and optionally one item) to count or recount.

Registered in the same migration set as ``schema.py`` (imported at its end).
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m006_count_tasks(db: Database) -> None:
    db.executescript(
        """
        -- IF NOT EXISTS: the console's m008 makes the same table when a
        -- database got it before this migration.
        -- A supervisor asks for a bin to be counted.  blind: the counter is
        -- never shown the expected quantity.  assigned_to NULL: every device
        -- gets it.  server_seq: the last change (made, done), for pull.
        CREATE TABLE IF NOT EXISTS count_tasks (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('count', 'recount')),
            location_id INTEGER NOT NULL REFERENCES locations(id),
            item_id INTEGER REFERENCES items(id),
            lot TEXT,
            blind INTEGER NOT NULL DEFAULT 1,
            assigned_to TEXT,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            done_at TEXT,
            done_movement_seq INTEGER,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS count_tasks_server_seq ON count_tasks(server_seq);
        """
    )
