"""The steps resolutions are made of: names, held movements of a name, count tasks.

Used by ``resolutions._act``; each runs inside the caller's write
transaction and raises ``InvalidRequest`` when the step cannot be taken.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .catalog import add_barcode, add_location_code, barcode_problem, catalog_for
from .clock import iso_now
from .errors import InvalidRequest
from .meta import next_server_seq
from .resolution_request import ResolutionRequest

__all__ = [
    "sku_of",
    "request_recount",
    "map_name",
    "held_for_name",
]


def sku_of(conn: sqlite3.Connection, movement: sqlite3.Row) -> str:
    return str(
        conn.execute("SELECT sku FROM items WHERE id = ?", (movement["item_id"],)).fetchone()[0]
    )


def request_recount(
    conn: sqlite3.Connection, conflict: sqlite3.Row, movement: sqlite3.Row, req: ResolutionRequest
) -> str:
    location_id = conflict["location_id"] or movement["to_id"] or movement["from_id"]
    if location_id is None:
        raise InvalidRequest("recount: this conflict names no known location to count")
    if (
        req.assign_to is not None
        and conn.execute(
            "SELECT 1 FROM users WHERE username = ? AND active = 1", (req.assign_to,)
        ).fetchone()
        is None
    ):
        raise InvalidRequest(f"assign_to: no active user {req.assign_to!r}")
    task_id = conn.execute(
        "INSERT INTO count_tasks(kind, location_id, item_id, lot, blind, assigned_to, created_at,"
        " created_by, server_seq, reason, resolution_id, movement_seq)"
        " VALUES ('recount', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            location_id,
            conflict["item_id"] or movement["item_id"],
            movement["lot"] or None,
            int(req.blind),
            req.assign_to,
            iso_now(),
            req.by_user,
            next_server_seq(conn),
            req.reason,
            req.id,
            movement["server_seq"],
        ),
    ).fetchone()[0]
    return f"CT-{task_id}"


def map_name(
    conn: sqlite3.Connection, movement: sqlite3.Row, code: str, req: ResolutionRequest
) -> dict[str, Any]:
    """Teach the catalog the unknown name of a held movement; what was mapped.

    ``UNKNOWN_ITEM``: the scanned code becomes a barcode of ``req.item`` (with
    ``pack_qty``).  ``UNKNOWN_LOCATION``: the unknown code becomes another
    name of ``req.location`` (its barcode, or an alias).  Later scans of the
    code resolve; the caller then posts the held movement itself.
    """
    wire = json.loads(movement["payload"])
    catalog = catalog_for(conn)
    if code == "UNKNOWN_ITEM":
        if not req.item:
            raise InvalidRequest("item: the SKU the unknown barcode belongs to")
        found = catalog.item(req.item)
        if found is None:
            raise InvalidRequest(f"item: no item {req.item}")
        unknown = str(wire.get("item") or "")
        problem = barcode_problem(unknown)
        if problem is not None:  # mapped, every later misreading of it would post
            raise InvalidRequest(
                f"map: {unknown} cannot become a barcode ({problem}); void the movement"
                " and record it again with the right item"
            )
        add_barcode(conn, found[0].id, unknown, req.pack_qty)
        return {"barcode": unknown, "item": found[0].sku, "pack_qty": req.pack_qty}
    if not req.location:
        raise InvalidRequest("location: the known location the unknown code stands for")
    known = catalog.location(req.location)
    if known is None or known.virtual:
        raise InvalidRequest(f"location: no location {req.location}")
    name = next(
        (str(wire[s]) for s in ("from", "to") if wire.get(s) and catalog.location(wire[s]) is None),
        None,
    )
    if name is None:
        raise InvalidRequest("this movement names no unknown location any more")
    how = add_location_code(conn, known.id, name, by_user=req.by_user)
    return {"location": name, "as": known.code, "kept_as": how}


def held_for_name(conn: sqlite3.Connection, code: str, name: str, but: int) -> list[sqlite3.Row]:
    """Other open ``code`` conflicts of held movements naming ``name`` (oldest first)."""
    fields = ("$.item",) if code == "UNKNOWN_ITEM" else ("$.from", "$.to")
    where = " OR ".join(f"json_extract(m.payload, '{f}') = :name" for f in fields)
    return conn.execute(
        "SELECT c.id, c.movement_seq FROM conflicts c JOIN movements m"
        " ON m.server_seq = c.movement_seq WHERE c.code = :code AND c.state = 'open'"
        f" AND m.state = 'held' AND c.id != :but AND ({where}) ORDER BY c.movement_seq, c.id",
        {"code": code, "name": name, "but": but},
    ).fetchall()
