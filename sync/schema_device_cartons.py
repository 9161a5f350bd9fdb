"""Migration ``m014_device_cartons``: cartons that devices packed.

Registered in the same migration set as ``schema.py`` (imported at its end,
last).

- ``cartons.device_id``: the device whose ``pack`` movements filled the
  carton (``device_cartons.py``); NULL for a carton packed at a station.
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m014_device_cartons(db: Database) -> None:
    db.executescript("ALTER TABLE cartons ADD COLUMN device_id TEXT;")
