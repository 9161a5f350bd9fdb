"""Migration of recount tasks asked for by a resolution, and of location aliases.

Registered in the same migration set as ``schema.py`` (imported at its end,
last).

- ``count_tasks.reason``: why the task was made (a recount's resolution
  reason), shown to the counter;
- ``count_tasks.resolution_id`` / ``movement_seq``: the resolution that asked
  for the recount and the movement it was about, so the recount's outcome
  reaches that resolution (and the device that sent the movement);
- ``location_aliases``: another code a location answers to, made when a
  supervisor maps an unknown location code to a location that already has a
  barcode (one without takes the code as its barcode).
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m013_recounts(db: Database) -> None:
    db.executescript(
        """
        ALTER TABLE count_tasks ADD COLUMN reason TEXT;
        ALTER TABLE count_tasks ADD COLUMN resolution_id TEXT;
        ALTER TABLE count_tasks ADD COLUMN movement_seq INTEGER;
        CREATE INDEX count_tasks_movement ON count_tasks(movement_seq)
            WHERE movement_seq IS NOT NULL;

        CREATE TABLE location_aliases (
            code TEXT PRIMARY KEY,
            location_id INTEGER NOT NULL REFERENCES locations(id),
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        """
    )
