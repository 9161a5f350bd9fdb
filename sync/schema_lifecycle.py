"""Migration m010_lifecycle: pick lists that finish, cartons unpacked on cancel,
and where an order line's packed units wait.

Registered in the same migration set as ``schema.py`` (imported at its end,
after every other migration).

- ``pick_lists.done_at``: when the last open task of the list was done,
  short-closed or cancelled (the list's ``status`` becomes ``done``);
- ``cartons.unpacked_at`` / ``unpacked_by``: a packed order cancelled at the
  bench has its cartons opened back up (``status`` back to ``open``) and its
  units sent back to their bins by put-back tasks;
- ``line_packed``: where a line's packed units wait to ship, like
  ``line_staged`` for picked ones: + at a pack's destination, - at a ship's
  source.  Kept by the merge, so a device's pack counts too.  Filled from the
  cartons not yet shipped for a database that packed before this migration;
- ``rmas.request_ref``: the reference of the staff form that made the RMA,
  so a form sent twice makes one RMA.
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m010_lifecycle(db: Database) -> None:
    db.executescript(
        """
        ALTER TABLE pick_lists ADD COLUMN done_at TEXT;
        ALTER TABLE cartons ADD COLUMN unpacked_at TEXT;
        ALTER TABLE cartons ADD COLUMN unpacked_by TEXT;
        ALTER TABLE rmas ADD COLUMN request_ref TEXT;
        CREATE UNIQUE INDEX rmas_request_ref ON rmas(request_ref);

        CREATE TABLE line_packed (
            order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
            location_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL,
            PRIMARY KEY (order_line_id, location_id, lot)
        ) WITHOUT ROWID;

        INSERT INTO line_packed(order_line_id, location_id, lot, qty)
            SELECT cl.order_line_id, c.station_id, cl.lot, sum(cl.qty)
            FROM carton_lines cl JOIN cartons c ON c.id = cl.carton_id
            WHERE c.status != 'shipped'
            GROUP BY cl.order_line_id, c.station_id, cl.lot;
        """
    )
