"""What a device did with returned goods, kept with the receipt.

The returns desk records a receipt's grade and disposition itself
(``returns.py``).  A device (the floor app's Returns screen) sends the same
as movements: the ``return`` naming the RMA, then the disposition's own
movement naming the RMA too — a ``putaway`` to a bin (restock), a
``transfer`` to a quarantine location, or a ``scrap``.  When such a movement
posts, it is linked to this device's latest receipt of the same RMA, item and
lot at the place it leaves that has no disposition yet, so the RMA shows
what became of its goods, whoever received them.
"""

from __future__ import annotations

import sqlite3

from .catalog import LocationRef
from .clock import iso_now
from .kinds import RETURN_CONDITIONS

__all__ = ["DISPOSITION_KINDS", "link_disposition"]

DISPOSITION_KINDS = frozenset({"putaway", "transfer", "scrap"})

_RECEIPT = (
    "SELECT rr.movement_seq, rr.condition FROM return_receipts rr"
    " JOIN rmas r ON r.id = rr.rma_id JOIN movements m ON m.server_seq = rr.movement_seq"
    " WHERE r.number = ? AND rr.item_id = ? AND rr.lot = ? AND rr.location_id = ?"
    " AND m.device_id = ? AND rr.movement_seq < ?"
    " AND NOT EXISTS (SELECT 1 FROM return_dispositions d WHERE d.receipt_seq = rr.movement_seq)"
    " ORDER BY rr.movement_seq DESC LIMIT 1"
)


def link_disposition(
    conn: sqlite3.Connection,
    *,
    rma: str,
    kind: str,
    device_id: str,
    item_id: int,
    lot: str,
    src: LocationRef,
    dst: LocationRef,
    seq: int,
    user: str,
) -> None:
    """Record the disposition of the receipt this movement carries out (if any)."""
    found = conn.execute(_RECEIPT, (rma, item_id, lot, src.id, device_id, seq)).fetchone()
    if found is None or found[1] not in RETURN_CONDITIONS:
        return
    if kind == "scrap":
        disposition, location = "scrap", None
    else:
        disposition = "quarantine" if dst.kind == "quarantine" else "restock"
        location = dst.id
    conn.execute(
        "INSERT INTO return_dispositions(receipt_seq, condition, disposition, location_id,"
        " movement_seq, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (found[0], found[1], disposition, location, seq, user, iso_now()),
    )
