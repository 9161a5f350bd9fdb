"""What a scanned code is in this warehouse: item, location, tote, lot, order, pick list.

``resolve_code(conn, text, symbology)`` answers one code; ``resolve_reads``
answers all the codes read from one photo, those that match the catalog
first.  A resolution is a JSON-ready dict::

    {"kind": "item" | "lot" | "location" | "tote" | "order" | "pick_list" | "rma" | "unknown",
     "matched": bool,          # the code names something this warehouse has
     "message": "…",           # one line for the person holding the scanner
     "gs1": {...},             # what a GTIN or GS1 element string carries (sync.gs1)
     "gtin": "0…",             # GTIN-14, when the code carries one
     "item": {"sku", "name", "unit", "tracking"}, "pack_qty": 12,
     "lot": {"code", "expiry", "status", "known"},
     "location": {"code", "kind", "zone", "warehouse"},
     "tote": {...as location, "pick_list", "orders"},
     "order": {"number", "status", "customer", "line"},
     "pick_list": {"number", "status", "zone", "assigned_to"},
     "rma": {"number", "order", "status", "refund_status"},
     "problems": ["…"]}        # e.g. a wrong check digit: reported, never guessed

Only the keys that apply are present.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .catalog import Catalog, ItemRef, catalog_for
from .db import read_transaction
from .errors import NotFound
from .gs1 import Gs1Data, parse_code
from .ids import parse_number
from .rmas import get_rma

__all__ = ["Read", "resolve_code", "resolve_reads"]

_ORDER = re.compile(r"SO-(\d+)(?:/(\d+))?")
_PICK_LIST = re.compile(r"PL-\d+")
_RMA = re.compile(r"RMA-\d+")


@dataclass(frozen=True)
class Read:
    """One code as a decoder or scanner gave it; ``extra`` is passed through."""

    text: str
    symbology: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def resolve_reads(conn: sqlite3.Connection, reads: Sequence[Read]) -> dict[str, Any]:
    """Every read resolved, in one snapshot; matches first, then in the given order.

    The same text read twice (two passes, or a code found at two scales)
    counts once.
    """
    seen: set[tuple[str, str | None]] = set()
    codes: list[dict[str, Any]] = []
    with read_transaction(conn):
        for read in reads:
            if (read.text, read.symbology) in seen:
                continue
            seen.add((read.text, read.symbology))
            codes.append(
                {**read.extra, "resolution": resolve_code(conn, read.text, read.symbology)}
            )
    codes.sort(key=lambda c: not c["resolution"]["matched"])
    matched = sum(1 for c in codes if c["resolution"]["matched"])
    return {"codes": codes, "message": _summary(len(codes), matched)}


def _summary(found: int, matched: int) -> str:
    if found == 0:
        return "no barcode found in the photo"
    codes = "1 code" if found == 1 else f"{found} codes"
    if matched == 0:
        return f"{codes} read; none matches anything in this warehouse"
    return f"{codes} read; {matched} {'matches' if matched == 1 else 'match'} the catalog"


def resolve_code(
    conn: sqlite3.Connection, text: str, symbology: str | None = None
) -> dict[str, Any]:
    """What ``text`` (raw decoder text, GS separators kept) names in this warehouse."""
    catalog = catalog_for(conn)
    gs1 = parse_code(text, symbology)
    if gs1.kind != "none":
        return _resolve_gs1(conn, catalog, gs1)
    code = text.strip()
    location = catalog.location(code)
    if location is not None and not location.virtual:
        return _resolve_location(conn, location.id)
    order = _ORDER.fullmatch(code)
    if order:
        return _resolve_order(conn, f"SO-{order.group(1)}", order.group(2))
    if _PICK_LIST.fullmatch(code):
        return _resolve_pick_list(conn, code)
    if _RMA.fullmatch(code):
        return _resolve_rma(conn, code)
    found = catalog.item(code)
    if found is not None:
        return _item_result(conn, *found)
    return _resolve_lot_code(conn, code)


def _found(kind: str, message: str, **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "matched": True, "message": message, **fields}


def _unknown(message: str, **fields: Any) -> dict[str, Any]:
    return {"kind": "unknown", "matched": False, "message": message, **fields}


def _item_by_gtin(catalog: Catalog, gtin: str) -> tuple[ItemRef, int] | None:
    """The item filed under any form of this GTIN-14 (14, 13, 12 or 8 digits)."""
    forms = [gtin, gtin[1:], gtin[2:]] + ([gtin[6:]] if gtin.startswith("000000") else [])
    for form in forms:
        found = catalog.items.get(form)
        if found is not None:
            return found
    return None


def _resolve_gs1(conn: sqlite3.Connection, catalog: Catalog, gs1: Gs1Data) -> dict[str, Any]:
    carried = gs1.carried()
    if gs1.gtin_error:
        return _unknown(
            "the check digit is wrong: scan the code again (it is not guessed)",
            gs1=carried,
            problems=[gs1.gtin_error],
        )
    if gs1.gtin is None:
        return _unknown("a GS1 code without a GTIN: nothing to look up", gs1=carried)
    found = _item_by_gtin(catalog, gs1.gtin)
    if found is None:
        return _unknown(f"no item has the GTIN {gs1.gtin}", gs1=carried, gtin=gs1.gtin)
    result = _item_result(conn, *found)
    result.update(gs1=carried, gtin=gs1.gtin)
    if gs1.lot is not None:
        lot = _lot(conn, found[0].id, gs1.lot)
        known = lot is not None
        result["kind"] = "lot"
        result["lot"] = lot or {"code": gs1.lot, "expiry": gs1.expiry, "status": None}
        result["lot"]["known"] = known
        result["message"] += f", lot {gs1.lot}" + ("" if known else " (a lot not seen before)")
        if known and gs1.expiry and lot and lot["expiry"] and lot["expiry"] != gs1.expiry:
            result.setdefault("problems", []).append(
                f"the label's expiry {gs1.expiry} differs from the lot's {lot['expiry']}"
            )
    return result


def _item_result(conn: sqlite3.Connection, ref: ItemRef, pack_qty: int) -> dict[str, Any]:
    row = conn.execute("SELECT name, unit FROM items WHERE id = ?", (ref.id,)).fetchone()
    pack = f" (a pack of {pack_qty})" if pack_qty != 1 else ""
    item = {"sku": ref.sku, "name": row["name"], "unit": row["unit"], "tracking": ref.tracking}
    return _found("item", f"item {ref.sku} {row['name']}{pack}", item=item, pack_qty=pack_qty)


def _lot(conn: sqlite3.Connection, item_id: int, code: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT code, expiry, status FROM lots WHERE item_id = ? AND code = ?", (item_id, code)
    ).fetchone()
    return dict(row) if row is not None else None


def _resolve_lot_code(conn: sqlite3.Connection, code: str) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT l.code, l.expiry, l.status, i.sku, i.name, i.unit, i.tracking"
        " FROM lots l JOIN items i ON i.id = l.item_id WHERE l.code = ? ORDER BY i.sku LIMIT 11",
        (code,),
    ).fetchall()
    if not rows:
        return _unknown(f"{code!r} matches no item, location, lot, order or pick list")
    lots = [
        {
            "code": r["code"],
            "expiry": r["expiry"],
            "status": r["status"],
            "known": True,
            "item": {
                "sku": r["sku"],
                "name": r["name"],
                "unit": r["unit"],
                "tracking": r["tracking"],
            },
        }
        for r in rows[:10]
    ]
    if len(rows) == 1:
        lot = lots[0]
        item = lot.pop("item")
        return _found("lot", f"lot {code} of item {item['sku']} {item['name']}", item=item, lot=lot)
    return _found("lot", f"lot {code} exists for several items: scan the item too", lots=lots)


def _resolve_location(conn: sqlite3.Connection, location_id: int) -> dict[str, Any]:
    row = conn.execute(
        "SELECT l.code, l.kind, l.zone, w.code AS warehouse FROM locations l"
        " LEFT JOIN warehouses w ON w.id = l.warehouse_id WHERE l.id = ?",
        (location_id,),
    ).fetchone()
    location = dict(row)
    if location["kind"] != "staging":
        return _found(
            "location", f"{location['kind']} location {location['code']}", location=location
        )
    # a staging location is a tote (waves give each order a free one)
    held = conn.execute(
        "SELECT DISTINCT p.number, o.number FROM pick_tasks t"
        " JOIN pick_lists p ON p.id = t.pick_list_id"
        " JOIN order_lines ol ON ol.id = t.order_line_id JOIN orders o ON o.id = ol.order_id"
        " WHERE t.tote_id = ? AND p.status = 'open' ORDER BY o.number",
        (location_id,),
    ).fetchall()
    tote = {**location, "pick_list": held[0][0] if held else None, "orders": [r[1] for r in held]}
    on = f" for {', '.join(tote['orders'])} on {tote['pick_list']}" if held else " (free)"
    return _found("tote", f"tote {location['code']}{on}", tote=tote)


def _resolve_order(conn: sqlite3.Connection, number: str, line: str | None) -> dict[str, Any]:
    row = conn.execute(
        "SELECT id, number, status, customer FROM orders WHERE number = ?", (number,)
    ).fetchone()
    if row is None:
        return _unknown(f"no order {number}")
    order = {"number": row["number"], "status": row["status"], "customer": row["customer"]}
    if line is not None:
        line_no = parse_number(line)
        found = conn.execute(
            "SELECT 1 FROM order_lines WHERE order_id = ? AND line_no = ?",
            (row["id"], -1 if line_no is None else line_no),
        ).fetchone()
        if found is None:
            return _unknown(f"order {number} has no line {line}", order=order)
        order["line"] = f"{number}/{line_no}"
    return _found("order", f"order {order.get('line', number)} ({row['status']})", order=order)


def _resolve_pick_list(conn: sqlite3.Connection, number: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT number, status, zone, assigned_to FROM pick_lists WHERE number = ?", (number,)
    ).fetchone()
    if row is None:
        return _unknown(f"no pick list {number}")
    return _found("pick_list", f"pick list {number} ({row['status']})", pick_list=dict(row))


def _resolve_rma(conn: sqlite3.Connection, number: str) -> dict[str, Any]:
    try:
        found = get_rma(conn, number)
    except NotFound:
        return _unknown(f"no RMA {number}")
    rma = {k: found[k] for k in ("number", "order", "status", "refund_status")}
    return _found("rma", f"return {number} for {found['order']} ({found['status']})", rma=rma)
