"""Supervisor resolutions (protocol, "Supervisor resolutions").

A conflict is resolved by appending, never by editing history: each
resolution is a row of its own (id, who, when, why, what it did), and every
change of stock it makes goes through the ledger (``resolution_postings``).
The resolved movement's ``state`` and ``status_seq`` change, so the device
that sent it sees the outcome on its next pull, in ``changes.results``.

Actions, and what each does to the movement:

    accept              a held count posts at its place (state applied); a
                        posted movement's conflict is acknowledged
    accept_counted_now  a held count's quantity is taken as what is there now:
                        an adjust posts the difference (state superseded)
    edit                a held count posts with another quantity (edited); a
                        posted movement is voided and a corrected copy posts
    void                compensating entries for everything it posted (voided);
                        a held movement never posts (voided)
    recount             a count task for the place (a held movement: superseded)
    map                 an unknown barcode becomes the item's, or an unknown
                        location is read as a known one; the movement then
                        posts as a server copy (superseded)
    reallocate          an overpick's extra units go from staging back to a bin

Idempotent: a resolution carries an id (the client's, or one made here); the
same id again answers the stored resolution, and a conflict that is already
resolved answers ``Conflict`` naming who resolved it.
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any

from .catalog import add_barcode, catalog_for
from .clock import iso_now
from .db import write_transaction
from .errors import Conflict, InvalidRequest, NotFound
from .local import post_local_within
from .meta import next_server_seq
from .resolution_postings import post_copy, post_held_count, void_postings
from .rules import Rules

__all__ = ["ACTIONS", "ResolutionRequest", "resolve", "resolve_within", "stored_resolution"]

ACTIONS = ("accept", "accept_counted_now", "edit", "void", "recount", "map", "reallocate")
_COUNT_HOLDS = ("COUNT_VARIANCE", "COUNT_AMBIGUOUS", "COUNT_DISAGREEMENT")
_ID = re.compile(r"[A-Za-z0-9._:-]{8,80}")


@dataclass(frozen=True)
class ResolutionRequest:
    conflict_id: int
    action: str
    reason: str
    by_user: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    counted: int | None = None  # edit of a held count
    qty: int | None = None  # edit of a posted movement; units to reallocate
    item: str | None = None  # map: the SKU an unknown barcode belongs to
    location: str | None = None  # map: the known location; reallocate: where to
    pack_qty: int = 1  # map: units the mapped barcode stands for
    assign_to: str | None = None  # recount: who should count
    max_value: float | None = None  # accept of a count: refuse a variance worth more

    @classmethod
    def from_json(cls, conflict_id: int, body: dict[str, Any], by_user: str) -> ResolutionRequest:
        errors = []
        action = body.get("action")
        if action not in ACTIONS:
            errors.append(f"action: one of {', '.join(ACTIONS)}")
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            errors.append("reason: say why (it is kept with the resolution)")
        elif len(reason) > 500:
            errors.append("reason: at most 500 characters")
        given_id = body.get("id")
        if given_id is not None and (not isinstance(given_id, str) or not _ID.fullmatch(given_id)):
            errors.append("id: 8 to 80 letters, digits or . _ : - (e.g. a UUID)")
        numbers: dict[str, int | None] = {}
        for name, least in (("counted", 0), ("qty", 1), ("pack_qty", 1)):
            value = body.get(name)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < least
            ):
                errors.append(f"{name}: a whole number >= {least}")
                value = None
            numbers[name] = value
        texts: dict[str, str | None] = {}
        for name in ("item", "location", "assign_to"):
            value = body.get(name)
            if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 100):
                errors.append(f"{name}: a code of at most 100 characters")
                value = None
            texts[name] = value.strip() if isinstance(value, str) else None
        if errors:
            raise InvalidRequest("; ".join(errors), errors)
        return cls(
            conflict_id,
            str(action),
            str(reason).strip(),
            by_user,
            given_id or str(uuid.uuid4()),
            counted=numbers["counted"],
            qty=numbers["qty"],
            pack_qty=numbers["pack_qty"] or 1,
            item=texts["item"],
            location=texts["location"],
            assign_to=texts["assign_to"],
        )


def stored_resolution(conn: sqlite3.Connection, resolution_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT r.*, m.id AS movement_id, m.state AS movement_state FROM resolutions r"
        " JOIN movements m ON m.server_seq = r.movement_seq WHERE r.id = ?",
        (resolution_id,),
    ).fetchone()
    if row is None:
        return None
    detail = json.loads(row["detail"] or "{}")
    return {
        "id": row["id"],
        "conflict": f"c-{row['conflict_id']}",
        "action": row["action"],
        "reason": row["reason"],
        "by": row["by_user"],
        "at": row["at"],
        "server_seq": row["server_seq"],
        "movement": row["movement_id"],
        "movement_state": row["movement_state"],
        **detail,
    }


def resolve(conn: sqlite3.Connection, request: ResolutionRequest, rules: Rules) -> dict[str, Any]:
    """Resolve one conflict, as one write transaction."""
    with write_transaction(conn):
        return resolve_within(conn, request, rules)


def resolve_within(
    conn: sqlite3.Connection, request: ResolutionRequest, rules: Rules
) -> dict[str, Any]:
    """``resolve`` inside the caller's write transaction."""
    earlier = stored_resolution(conn, request.id)
    if earlier is not None:
        if earlier["conflict"] != f"c-{request.conflict_id}" or earlier["action"] != request.action:
            raise Conflict(f"resolution id {request.id} was already used for another resolution")
        return {**earlier, "replayed": True}
    conflict = conn.execute(
        "SELECT c.*, r.action AS by_action, r.by_user AS by_whom, r.at AS resolved_at"
        " FROM conflicts c LEFT JOIN resolutions r ON r.id = c.resolution_id WHERE c.id = ?",
        (request.conflict_id,),
    ).fetchone()
    if conflict is None:
        raise NotFound(f"no conflict c-{request.conflict_id}")
    if conflict["state"] != "open":
        raise Conflict(
            f"c-{request.conflict_id} is already resolved ({conflict['by_action']}"
            f" by {conflict['by_whom']} at {conflict['resolved_at']})"
        )
    movement = conn.execute(
        "SELECT * FROM movements WHERE server_seq = ?", (conflict["movement_seq"],)
    ).fetchone()
    state, detail, whole_movement = _act(conn, request, conflict, movement, rules)
    seq = next_server_seq(conn)
    conn.execute(
        "INSERT INTO resolutions(id, conflict_id, movement_seq, action, reason, by_user, at,"
        " server_seq, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            request.id,
            request.conflict_id,
            movement["server_seq"],
            request.action,
            request.reason,
            request.by_user,
            iso_now(),
            seq,
            json.dumps(detail),
        ),
    )
    closes = (
        "movement_seq = ? AND state = 'open'" if whole_movement else "id = ? AND state = 'open'"
    )
    conn.execute(
        f"UPDATE conflicts SET state = 'resolved', resolution_id = ? WHERE {closes}",
        (request.id, movement["server_seq"] if whole_movement else request.conflict_id),
    )
    conn.execute(
        "UPDATE movements SET state = ?, status_seq = ? WHERE server_seq = ?",
        (state, seq, movement["server_seq"]),
    )
    stored = stored_resolution(conn, request.id)
    assert stored is not None
    return {**stored, "replayed": False}


def _act(
    conn: sqlite3.Connection,
    req: ResolutionRequest,
    conflict: sqlite3.Row,
    movement: sqlite3.Row,
    rules: Rules,
) -> tuple[str, dict[str, Any], bool]:
    """Do what the action says; (the movement's new state, detail, closes all its conflicts)."""
    held = movement["state"] == "held"
    code = conflict["code"]
    is_count_hold = held and code in _COUNT_HOLDS
    why = f"{req.action} of c-{req.conflict_id} by {req.by_user}: {req.reason}"
    posted: list[str] = []
    detail: dict[str, Any] = {"posted": posted}
    state = movement["state"]

    def copy(changes: dict[str, Any]) -> None:
        result = post_copy(conn, movement, changes, by_user=req.by_user, why=why, rules=rules)
        if result["outcome"] == "rejected":
            raise InvalidRequest(f"the movement cannot post that way: {result['message']}")
        posted.append(result["id"])

    if req.action == "accept":
        if held and not is_count_hold:
            raise InvalidRequest(f"{code}: map the unknown name first (action map)")
        if is_count_hold:
            done = post_held_count(
                conn, movement, movement["units"], rules, max_value=req.max_value
            )
            detail.update(book=done.book, variance=done.variance, counted=movement["units"])
            return "applied", detail, True
        return state, detail, False
    if req.action == "accept_counted_now":
        if not is_count_hold:
            raise InvalidRequest("accept_counted_now is for a held count")
        detail.update(_adjust_to(conn, movement, movement["units"], req, why, rules, posted))
        return "superseded", detail, True
    if req.action == "edit":
        if is_count_hold:
            if req.counted is None:
                raise InvalidRequest("counted: the quantity to post for this count")
            done = post_held_count(conn, movement, req.counted, rules)
            detail.update(book=done.book, variance=done.variance, counted=req.counted)
            return "edited", detail, True
        if held:
            raise InvalidRequest(f"{code}: map the unknown name first (action map)")
        if movement["kind"] == "count":
            raise InvalidRequest("a posted count is corrected by a new count, not edited")
        if req.qty is None and req.location is None:
            raise InvalidRequest("qty: the corrected quantity (or location: the corrected bin)")
        detail["void_seq"] = void_postings(conn, movement, rules)
        changes: dict[str, Any] = {"item": _sku(conn, movement)}
        changes["qty"] = req.qty if req.qty is not None else movement["units"]
        if req.location is not None:
            changes["from" if movement["from_id"] is not None else "to"] = req.location
        copy(changes)
        return "edited", detail, True
    if req.action == "void":
        if not held:
            if movement["kind"] == "count":
                raise InvalidRequest("a posted count is corrected by a new count, not voided")
            detail["void_seq"] = void_postings(conn, movement, rules)
        return "voided", detail, True
    if req.action == "recount":
        detail["count_task"] = _count_task(conn, conflict, movement, req)
        return ("superseded" if held else state), detail, held
    if req.action == "map":
        if not held or code not in ("UNKNOWN_ITEM", "UNKNOWN_LOCATION"):
            raise InvalidRequest("map is for a movement held with UNKNOWN_ITEM or UNKNOWN_LOCATION")
        detail.update(_map(conn, movement, code, req, copy))
        return "superseded", detail, True
    # reallocate
    if code != "OVERPICK":
        raise InvalidRequest("reallocate is for an OVERPICK")
    if req.qty is None:
        raise InvalidRequest("qty: how many of the picked units go back")
    source = conn.execute("SELECT code FROM locations WHERE id = ?", (movement["to_id"],))
    target = req.location or _code(conn, movement["from_id"])
    [result] = _post(
        conn,
        {
            "kind": "transfer",
            "item": _sku(conn, movement),
            "from": source.fetchone()[0],
            "to": target,
            "qty": req.qty,
            **_lot_fields(conn, movement),
        },
        req,
        why,
        rules,
    )
    posted.append(result)
    return state, detail, False


def _post(
    conn: sqlite3.Connection, wire: dict[str, Any], req: ResolutionRequest, why: str, rules: Rules
) -> list[str]:
    results = post_local_within(conn, [{**wire, "note": why[:2000]}], user=req.by_user, rules=rules)
    for result in results:
        if result["outcome"] == "rejected":
            raise InvalidRequest(f"cannot post that: {result['message']}")
    return [r["id"] for r in results]


def _sku(conn: sqlite3.Connection, movement: sqlite3.Row) -> str:
    return str(
        conn.execute("SELECT sku FROM items WHERE id = ?", (movement["item_id"],)).fetchone()[0]
    )


def _code(conn: sqlite3.Connection, location_id: int | None) -> str:
    row = conn.execute("SELECT code FROM locations WHERE id = ?", (location_id,)).fetchone()
    if row is None:
        raise InvalidRequest("location: where the units go")
    return str(row[0])


def _lot_fields(conn: sqlite3.Connection, movement: sqlite3.Row) -> dict[str, Any]:
    if not movement["lot"]:
        return {}
    tracking = conn.execute("SELECT tracking FROM items WHERE id = ?", (movement["item_id"],))
    return {"serial" if tracking.fetchone()[0] == "serial" else "lot": movement["lot"]}


def _adjust_to(
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
            "item": _sku(conn, movement),
            side: _code(conn, movement["to_id"]),
            "qty": abs(difference),
            "reason": why[:200],
            **_lot_fields(conn, movement),
        }
        posted.extend(_post(conn, wire, req, why, rules))
    return {"on_hand_before": on_hand, "counted": counted, "adjusted": difference}


def _count_task(
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


def _map(
    conn: sqlite3.Connection,
    movement: sqlite3.Row,
    code: str,
    req: ResolutionRequest,
    copy: Any,
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
