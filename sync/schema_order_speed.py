"""Migration ``m011_order_speed``: the sum of a bin's active reservations from the index alone.

Allocation asks, for every candidate bin of an item, how much of it is
already promised: the sum of the active reservations at (item, location,
lot).  The index made by ``m002_orders`` found those rows but not their
quantities, so the sum read one table row per reservation — for a popular
item with thousands of open reservations, thousands of rows per order line.
The index made here also holds ``qty`` (and ``released_at``, always NULL in
it, which SQLite needs to see to use it alone): the sum is read from the
index's own pages.  It replaces the old one, so a reservation still costs
one index entry.
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m011_order_speed(db: Database) -> None:
    db.executescript(
        """
        DROP INDEX reservations_active;
        CREATE INDEX reservations_active_qty
            ON reservations(item_id, location_id, lot, qty, released_at)
            WHERE released_at IS NULL;
        """
    )
