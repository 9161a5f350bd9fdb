"""The conflict inbox: open conflicts, filtered and sorted, and one in detail.

What needs attention first:

1. conflicts whose movement is **held** — stock is not right until someone
   decides, and the device that sent it is waiting for an answer;
2. then by **value at stake**, largest first: the units the movement moved
   (for a count, the gap between what was counted and what is on hand now)
   times the item's unit cost, so a pallet of laptops comes before a box of
   washers;
3. then the **oldest** first.

``list_conflicts`` answers rows for the inbox; ``conflict_detail`` the
movement, its basis, the ledger of its item and location around it, and the
stock before and after it (around the posting that wrote its entries: a
held movement posts when a supervisor accepts, edits or maps it).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from .catalog import catalog_for
from .clock import now_ms, parse_iso_ms
from .counts import Position, check_count
from .db import read_transaction
from .errors import InvalidRequest, NotFound
from .ids import parse_number
from .key_ledger import around
from .posting import Poster
from .readback import get_movement
from .resolution_steps import held_for_name
from .resolutions import stored_resolution

__all__ = ["ConflictFilter", "list_conflicts", "conflict_detail", "parse_conflict_id"]

_STATES = ("open", "resolved", "all")
_SORTS = ("attention", "oldest", "newest", "value")


@dataclass(frozen=True)
class ConflictFilter:
    code: str | None = None
    item: str | None = None  # SKU
    location: str | None = None  # code
    device: str | None = None  # id or name
    user: str | None = None
    state: str = "open"
    older_than_minutes: int | None = None
    sort: str = "attention"
    limit: int = 200

    @classmethod
    def from_query(cls, query: dict[str, str]) -> ConflictFilter:
        """From a query string's values (blank means "any"); bad values raise."""
        clean = {k: v.strip() for k, v in query.items() if isinstance(v, str) and v.strip()}
        errors = []
        state = clean.get("state", "open")
        if state not in _STATES:
            errors.append(f"state: one of {', '.join(_STATES)}, not {state!r}")
        sort = clean.get("sort", "attention")
        if sort not in _SORTS:
            errors.append(f"sort: one of {', '.join(_SORTS)}, not {sort!r}")
        older = limit = None
        try:
            older = int(clean["older_than_minutes"]) if "older_than_minutes" in clean else None
            if older is not None and older < 0:
                raise ValueError
        except ValueError:
            errors.append("older_than_minutes: a whole number of minutes, 0 or more")
        try:
            limit = int(clean.get("limit", "200"))
            if not 1 <= limit <= 1000:
                raise ValueError
        except ValueError:
            errors.append("limit: a whole number from 1 to 1000")
        if errors:
            raise InvalidRequest("; ".join(errors), errors)
        return cls(
            code=clean.get("code"),
            item=clean.get("item"),
            location=clean.get("location"),
            device=clean.get("device"),
            user=clean.get("user"),
            state=state,
            older_than_minutes=older,
            sort=sort,
            limit=limit or 200,
        )


def parse_conflict_id(text: object) -> int:
    """``c-17`` or ``17`` → 17."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)  # a JSON number is read as its digits: never negative or past 64 bits
    if isinstance(text, str):
        number = parse_number(text.removeprefix("c-"))
        if number is not None:
            return number
    raise InvalidRequest(f"not a conflict id: {text!r} (expected e.g. c-17)")


_SELECT = """
SELECT c.id, c.code, c.state, c.message, c.created_at, c.resolution_id,
       i.sku, i.name AS item_name, i.unit_cost,
       loc.code AS location, d.id AS device_id, d.name AS device,
       m.id AS movement_id, m.kind, m.user, m.state AS movement_state, m.units,
       m.server_seq AS movement_seq,
       coalesce(s.on_hand, 0) AS on_hand
FROM conflicts c
JOIN movements m ON m.server_seq = c.movement_seq
JOIN devices d ON d.id = c.device_id
LEFT JOIN items i ON i.id = c.item_id
LEFT JOIN locations loc ON loc.id = c.location_id
LEFT JOIN stock s ON s.item_id = c.item_id AND s.location_id = c.location_id AND s.lot = m.lot
"""

_ORDER = {
    "attention": "held DESC, value DESC, c.id ASC",
    "oldest": "c.id ASC",
    "newest": "c.id DESC",
    "value": "value DESC, c.id ASC",
}


def list_conflicts(conn: sqlite3.Connection, where: ConflictFilter) -> list[dict[str, Any]]:
    clauses, params = [], []
    item, location = catalog_for(conn).named(where.item, where.location)
    if where.state != "all":
        clauses.append("c.state = ?")
        params.append(where.state)
    for column, value in (
        ("c.code", where.code),
        ("i.sku", item),
        ("loc.code", location),
        ("m.user", where.user),
    ):
        if value:
            clauses.append(f"{column} = ?")
            params.append(value)
    if where.device:
        clauses.append("(d.id = ? OR d.name = ?)")
        params += [where.device, where.device]
    if where.older_than_minutes is not None:
        clauses.append("c.created_at <= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)")
        params.append(f"-{where.older_than_minutes} minutes")
    sql = (
        "SELECT * FROM (SELECT q.*, (q.movement_state = 'held') AS held,"
        " abs(CASE WHEN q.kind = 'count' THEN coalesce(q.units, 0) - q.on_hand"
        "     ELSE coalesce(q.units, 0) END) * coalesce(q.unit_cost, 0) AS value"
        f" FROM ({_SELECT}"
        + (" WHERE " + " AND ".join(clauses) if clauses else "")
        + ") q) c"
        + f" ORDER BY {_ORDER[where.sort]} LIMIT ?"
    )
    now = now_ms()
    return [_row(r, now) for r in conn.execute(sql, (*params, where.limit))]


def _row(r: sqlite3.Row, now: int) -> dict[str, Any]:
    return {
        "id": f"c-{r['id']}",
        "code": r["code"],
        "state": r["state"],
        "message": r["message"],
        "item": r["sku"],
        "item_name": r["item_name"],
        "location": r["location"],
        "device_id": r["device_id"],
        "device": r["device"],
        "user": r["user"],
        "created_at": r["created_at"],
        "age_seconds": max(0, (now - parse_iso_ms(r["created_at"])) // 1000),
        "movement": r["movement_id"],
        "kind": r["kind"],
        "units": r["units"],
        "movement_state": r["movement_state"],
        "held": bool(r["held"]),
        "value_at_stake": round(float(r["value"] or 0), 2),
        "resolution": r["resolution_id"],
    }


def conflict_detail(
    conn: sqlite3.Connection, conflict_id: int, *, count: int = 10
) -> dict[str, Any]:
    """One conflict with its movement, basis, nearby ledger and stock before/after,
    read in one snapshot."""
    with read_transaction(conn):
        return _detail(conn, conflict_id, count)


def _detail(conn: sqlite3.Connection, conflict_id: int, count: int) -> dict[str, Any]:
    rows = [
        r
        for r in conn.execute(
            "SELECT * FROM (SELECT q.*, 0 AS held, 0 AS value FROM (" + _SELECT + ") q)"
            " WHERE id = ?",
            (conflict_id,),
        )
    ]
    if not rows:
        raise NotFound(f"no conflict c-{conflict_id}")
    r = rows[0]
    out = _row(r, now_ms())
    out["held"] = r["movement_state"] == "held"
    movement = get_movement(conn, r["movement_id"])
    m = conn.execute(
        "SELECT server_seq, basis, item_id, lot, from_id, to_id FROM movements WHERE id = ?",
        (r["movement_id"],),
    ).fetchone()
    c = conn.execute("SELECT item_id, location_id FROM conflicts WHERE id = ?", (conflict_id,))
    item_id, location_id = c.fetchone()
    item_id = item_id or m["item_id"]
    location_id = (
        location_id
        or _real_place(conn, m["from_id"], m["to_id"])
        or _named_place(conn, movement["movement"])
    )
    seq = int(m["server_seq"])
    out["movement_detail"] = movement
    out["basis"] = {
        "server_seq": m["basis"],
        "unseen_before_it": conn.execute(
            "SELECT count(*) FROM movements WHERE server_seq > ? AND server_seq < ?",
            (m["basis"], seq),
        ).fetchone()[0],
    }
    out["ledger"], out["stock"], out["stock_at"] = [], None, None
    if item_id is not None and location_id is not None:
        key = (int(item_id), int(location_id), m["lot"])
        out["stock_at"] = conn.execute(  # the catalog holds only active places
            "SELECT code FROM locations WHERE id = ?", (key[1],)
        ).fetchone()[0]
        entries, out["stock"] = around(conn, key, _posted_at(conn, seq, r["kind"]), count=count)
        out["ledger"] = [{**e, "this": e["movement"] == r["movement_id"]} for e in entries]
        if out["held"] and r["kind"] == "count":
            out["if_accepted"] = _if_accepted(conn, r["movement_id"], key, out["stock"]["now"])
    out["resolution_details"] = [
        stored_resolution(conn, x[0])
        for x in conn.execute(
            "SELECT id FROM resolutions WHERE movement_seq = ? ORDER BY server_seq", (seq,)
        )
    ]
    if out["held"] and r["code"] in ("UNKNOWN_ITEM", "UNKNOWN_LOCATION"):
        out["same_name_held"] = _same_name_held(conn, conflict_id, r["code"], movement)
    return out


def _posted_at(conn: sqlite3.Connection, seq: int, kind: str) -> int:
    """The server_seq of the posting that wrote the movement's own entries: its own
    when it posted as it came; a later one when it was held and a supervisor's
    accept, edit or map posted it.  Stock before and after are read around that
    posting (around its arrival a held movement had changed nothing).  Its own
    entries are those placed at it under its kind; re-adjustments placed at it
    (``readjust``) and its void (``void``) are later postings of their own."""
    row = conn.execute(
        "SELECT min(server_seq) FROM ledger WHERE movement_seq = ? AND entry = ?", (seq, kind)
    ).fetchone()
    return seq if row[0] is None else int(row[0])


def _real_place(conn: sqlite3.Connection, *ids: int | None) -> int | None:
    """The first of a movement's places that is a real one: a receipt's ledger
    and stock to show are the dock's, not the SUPPLIER's it came from."""
    for location_id in ids:
        if (
            location_id is not None
            and conn.execute(
                "SELECT 1 FROM locations WHERE id = ? AND kind != 'virtual'", (location_id,)
            ).fetchone()
        ):
            return location_id
    return None


def _named_place(conn: sqlite3.Connection, wire: dict[str, Any]) -> int | None:
    """The first real place a movement names that the catalog knows: a movement
    held for an unknown location resolved none, yet a transfer out of a known
    bin into an unknown one has that bin's stock to show."""
    if not isinstance(wire, dict):
        return None
    catalog = catalog_for(conn)
    for side in ("from", "to"):
        found = catalog.location(str(wire.get(side) or ""))
        if found is not None and not found.virtual:
            return found.id
    return None


def _same_name_held(
    conn: sqlite3.Connection, conflict_id: int, code: str, movement: dict[str, Any]
) -> list[dict[str, Any]]:
    """Other movements held for the same unknown name: a map posts them too."""
    wire = movement["movement"]
    if code == "UNKNOWN_ITEM":
        name = wire.get("item")
    else:
        catalog = catalog_for(conn)
        name = next(
            (wire[s] for s in ("from", "to") if wire.get(s) and catalog.location(wire[s]) is None),
            None,
        )
    if not name:
        return []
    out = []
    for other_id, seq in held_for_name(conn, code, str(name), conflict_id):
        m = conn.execute(
            "SELECT id, kind, user, json_extract(payload, '$.qty') FROM movements"
            " WHERE server_seq = ?",
            (seq,),
        ).fetchone()
        out.append({"conflict": f"c-{other_id}", "movement": m[0], "kind": m[1], "user": m[2],
                    "qty": m[3]})  # fmt: skip
    return out


def _if_accepted(
    conn: sqlite3.Connection, movement_id: str, key: tuple[int, int, str], now: int
) -> dict[str, int]:
    """What each way of accepting a held count would post (nothing is written)."""
    m = conn.execute(
        "SELECT id, device_id, seq, basis, event_ms, server_seq, units FROM movements WHERE id = ?",
        (movement_id,),
    ).fetchone()
    pos = Position(m[0], m[1], m[2], m[3], m[4], m[5])
    check = check_count(Poster(conn), key, pos, m[6], window_ms=0, recount_window_ms=0)
    return {
        "counted": m[6],
        "book_at_its_place": check.book,
        "accept_posts": check.variance,
        "counted_now_posts": m[6] - now,
    }
