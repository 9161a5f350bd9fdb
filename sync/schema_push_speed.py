"""Migration ``m005_push_speed``: a ledger key index that pushes write cheaply.

The ledger was indexed by ``(item_id, location_id, lot, server_seq)`` for
count placement ("this bin's entries since the count's basis").  Every posting
landed somewhere random in that index, so a push of 200 movements rewrote
about 170 of its pages.  The index made here leads with ``server_seq >> 10``,
a bucket of 1,024 consecutive server_seqs: a push's entries all land in the
newest bucket or two, a few pages, and a lookup by key since a basis is one
index seek per bucket (``sync.counts.LEDGER_BUCKET_BITS`` names the shift).

Changing an index on an existing ledger is one ``DROP INDEX`` and one
``CREATE INDEX`` (a sort of the ledger: a few seconds for a million rows);
the ledger's rows are not touched.
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m005_push_speed(db: Database) -> None:
    db.executescript(
        """
        DROP INDEX ledger_key;
        CREATE INDEX ledger_key_bucket ON ledger(server_seq >> 10, item_id, location_id, lot);
        """
    )
