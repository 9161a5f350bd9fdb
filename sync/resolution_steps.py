"""The steps resolutions are made of: server movements, names, count tasks.

Used by ``resolutions._act``; each runs inside the caller's write
transaction and raises ``InvalidRequest`` when the step cannot be taken.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from .catalog import add_barcode, catalog_for
from .clock import iso_now
from .errors import InvalidRequest
from .local import post_local_within
from .meta import next_server_seq
from .resolution_request import ResolutionRequest
from .rules import Rules

__all__ = [
    "post_server",
    "sku_of",
    "code_of",
    "lot_fields",
    "adjust_to",
    "request_recount",
    "map_name",
]


def post_server(
    conn: sqlite3.Connection, wire: dict[str, Any], req: ResolutionRequest, why: str, rules: Rules
) -> list[str]:
    results = post_local_within(conn, [{**wire, "note": why[:2000]}], user=req.by_user, rules=rules)
    for result in results:
        if result["outcome"] == "rejected":
            raise InvalidRequest(f"cannot post that: {result['message']}")
    return [r["id"] for r in results]


def sku_of(conn: sqlite3.Connection, movement: sqlite3.Row) -> str:
    return str(
        conn.execute("SELECT sku FROM items WHERE id = ?", (movement["item_id"],)).fetchone()[0]
    )


def code_of(conn: sqlite3.Connection, location_id: int | None) -> str:
    row = conn.execute("SELECT code FROM locations WHERE id = ?", (location_id,)).fetchone()
    if row is None:
        raise InvalidRequest("location: where the units go")
    return str(row[0])


def lot_fields(conn: sqlite3.Connection, movement: sqlite3.Row) -> dict[str, Any]:
    if not movement["lot"]:
        return {}
    tracking = conn.execute("SELECT tracking FROM items WHERE id = ?", (movement["item_id"],))
    return {"serial" if tracking.fetchone()[0] == "serial" else "lot": movement["lot"]}


def adjust_to(
    conn: sqlite3.Connection,
    movement: sqlite3.Row,
    counted: int,
    req: ResolutionRequest,
    why: str,
    rules: Rules,
    posted: list[str],
) -> dict[str, Any]:
    row = conn.execute(
        "SELECT on_hand FROM stock WHERE item_id = ? AND location_id = ? AND lot = ?",
        (movement["item_id"], movement["to_id"], movement["lot"]),
    ).fetchone()
    on_hand = 0 if row is None else int(row[0])
    difference = counted - on_hand
    if difference:
        side = "to" if difference > 0 else "from"
        wire = {
            "kind": "adjust",
            "item": sku_of(conn, movement),
            side: code_of(conn, movement["to_id"]),
            "qty": abs(difference),
            "reason": why[:200],
            **lot_fields(conn, movement),
        }
        posted.extend(post_server(conn, wire, req, why, rules))
    return {"on_hand_before": on_hand, "counted": counted, "adjusted": difference}


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
        " created_by, server_seq) VALUES ('recount', ?, ?, ?, 1, ?, ?, ?, ?) RETURNING id",
        (
            location_id,
            conflict["item_id"] or movement["item_id"],
            movement["lot"] or None,
            req.assign_to,
            iso_now(),
            req.by_user,
            next_server_seq(conn),
        ),
    ).fetchone()[0]
    return f"CT-{task_id}"


def map_name(
    conn: sqlite3.Connection,
    movement: sqlite3.Row,
    code: str,
    req: ResolutionRequest,
    copy: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    wire = json.loads(movement["payload"])
    catalog = catalog_for(conn)
    if code == "UNKNOWN_ITEM":
        if not req.item:
            raise InvalidRequest("item: the SKU the unknown barcode belongs to")
        found = catalog.item(req.item)
        if found is None:
            raise InvalidRequest(f"item: no item {req.item}")
        unknown = str(wire.get("item") or "")
        add_barcode(conn, found[0].id, unknown, req.pack_qty)
        copy({})
        return {"mapped": {"barcode": unknown, "item": found[0].sku, "pack_qty": req.pack_qty}}
    if not req.location:
        raise InvalidRequest("location: the known location the unknown code stands for")
    known = catalog.location(req.location)
    if known is None or known.virtual:
        raise InvalidRequest(f"location: no location {req.location}")
    side = next(
        (s for s in ("from", "to") if wire.get(s) and catalog.location(wire[s]) is None), None
    )
    changes = {side: known.code} if side else {}
    copy(changes)
    return {"mapped": {"location": wire.get(side) if side else None, "as": known.code}}
