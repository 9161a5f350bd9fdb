"""Reading back: a movement as stored, and stock on hand."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .clock import ms_to_iso
from .errors import InvalidRequest, NotFound

__all__ = ["stored_result", "get_movement", "get_stock", "conflicts_of"]


def conflicts_of(
    conn: sqlite3.Connection, movement_seq: int, *, with_state: bool = False
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, code, state, message, server_seq FROM conflicts WHERE movement_seq = ?"
        " ORDER BY id",
        (movement_seq,),
    ).fetchall()
    out = []
    for row in rows:
        item: dict[str, Any] = {"id": f"c-{row['id']}", "code": row["code"]}
        if with_state:
            item["state"] = row["state"]
            item["message"] = row["message"]
        out.append(item)
    return out


def stored_result(conn: sqlite3.Connection, movement_id: str) -> dict[str, Any]:
    """The push result as it was first answered (for replays)."""
    row = conn.execute(
        "SELECT id, seq, outcome, server_seq, code, message FROM movements WHERE id = ?",
        (movement_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no movement {movement_id}")
    conflicts = [
        {"id": f"c-{c[0]}", "code": c[1]}
        for c in conn.execute(
            "SELECT id, code FROM conflicts WHERE movement_seq = ? AND server_seq = ? ORDER BY id",
            (row["server_seq"], row["server_seq"]),
        )
    ]
    out: dict[str, Any] = {
        "id": row["id"],
        "seq": row["seq"],
        "outcome": row["outcome"],
        "replayed": True,
        "server_seq": row["server_seq"],
        "conflicts": conflicts,
        "message": row["message"],
    }
    if row["code"] is not None:
        out["code"] = row["code"]
    return out


def get_movement(conn: sqlite3.Connection, movement_id: str) -> dict[str, Any]:
    """The movement as stored, with outcome, server_seq, conflicts, resolutions and postings."""
    row = conn.execute(
        "SELECT m.*, d.name AS device_name FROM movements m"
        " JOIN devices d ON d.id = m.device_id WHERE m.id = ?",
        (movement_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no movement {movement_id} was ever received")
    seq = row["server_seq"]
    ledger = [
        {
            "item": entry["sku"],
            "location": entry["code"],
            "lot": entry["lot"] or None,
            "qty": entry["qty"],
            "entry": entry["entry"],
            "server_seq": entry["server_seq"],
            "cause": entry["cause_id"],
        }
        for entry in conn.execute(
            "SELECT l.*, i.sku, loc.code, cause.id AS cause_id FROM ledger l"
            " JOIN items i ON i.id = l.item_id JOIN locations loc ON loc.id = l.location_id"
            " LEFT JOIN movements cause ON cause.server_seq = l.cause_seq"
            " WHERE l.movement_seq = ?1 OR l.server_seq = ?1 ORDER BY l.id",
            (seq,),
        )
    ]
    resolutions = [
        dict(r)
        for r in conn.execute(
            "SELECT id, conflict_id, action, reason, by_user, at, server_seq FROM resolutions"
            " WHERE movement_seq = ? ORDER BY server_seq",
            (seq,),
        )
    ]
    return {
        "id": row["id"],
        "device_id": row["device_id"],
        "device": row["device_name"],
        "seq": row["seq"],
        "kind": row["kind"],
        "outcome": row["outcome"],
        "state": row["state"],
        "code": row["code"],
        "message": row["message"],
        "server_seq": row["server_seq"],
        "received_at": row["received_at"],
        "event_time": ms_to_iso(row["event_ms"]),
        "time_uncertain": bool(row["time_uncertain"]),
        "movement": json.loads(row["payload"]),
        "conflicts": conflicts_of(conn, seq, with_state=True),
        "resolutions": resolutions,
        "ledger": ledger,
    }


def _resolve_item(conn: sqlite3.Connection, code: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM items WHERE sku = ?"
        " UNION ALL SELECT item_id FROM item_barcodes WHERE code IN (?, ?, ?) LIMIT 1",
        (code, code, "0" + code, code[1:] if code.startswith("0") else code),
    ).fetchone()
    return None if row is None else int(row[0])


def _resolve_location(conn: sqlite3.Connection, code: str) -> int | None:
    row = conn.execute(
        "SELECT id FROM locations WHERE code = ?1 OR barcode = ?1"
        " UNION ALL SELECT location_id FROM location_aliases WHERE code = ?1 LIMIT 1",
        (code,),
    ).fetchone()
    return None if row is None else int(row[0])


def get_stock(
    conn: sqlite3.Connection,
    item: str | None = None,
    location: str | None = None,
    lot: str | None = None,
    *,
    limit: int = 5000,
) -> dict[str, Any]:
    """Stock on hand at real locations.  ``item`` takes a SKU or barcode,
    ``location`` a code or barcode.  An unknown name matches nothing."""
    where = ["loc.kind != 'virtual'", "(s.on_hand != 0)"]
    params: list[Any] = []
    if item:
        item_id = _resolve_item(conn, item)
        if item_id is None:
            return {"stock": []}
        where.append("s.item_id = ?")
        params.append(item_id)
    if location:
        location_id = _resolve_location(conn, location)
        if location_id is None:
            return {"stock": []}
        where.append("s.location_id = ?")
        params.append(location_id)
    if lot is not None and lot != "":
        where.append("s.lot = ?")
        params.append(lot)
    if not 1 <= limit <= 100_000:
        raise InvalidRequest("limit: between 1 and 100000")
    rows = conn.execute(
        "SELECT i.sku, loc.code, s.lot, s.on_hand FROM stock s"
        " JOIN items i ON i.id = s.item_id JOIN locations loc ON loc.id = s.location_id"
        f" WHERE {' AND '.join(where)} ORDER BY i.sku, loc.code, s.lot LIMIT ?",
        (*params, limit),
    ).fetchall()
    return {
        "stock": [
            {"item": r[0], "location": r[1], "lot": r[2] or None, "on_hand": r[3]} for r in rows
        ]
    }
