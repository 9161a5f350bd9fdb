"""Migration ``m015_rejected``: the movements the server refused, found without
reading them all.

A rejected movement posts nothing and opens no conflict, so the dashboard
lists them for a supervisor: work a device recorded that never counted.  A
partial index holds only them, so a push of movements that post writes
nothing to it.
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m015_rejected(db: Database) -> None:
    db.executescript(
        "CREATE INDEX movements_rejected ON movements(server_seq) WHERE outcome = 'rejected';"
    )
