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
import sqlite3
from typing import Any

from .catalog import catalog_for
from .clock import iso_now
from .db import write_transaction
from .errors import Conflict, InvalidRequest, NotFound
from .meta import next_server_seq
from .resolution_postings import post_copy, post_held_count, void_postings
from .resolution_request import ACTIONS, ResolutionRequest
from .resolution_steps import (
    adjust_to,
    code_of,
    lot_fields,
    map_name,
    post_server,
    request_recount,
    sku_of,
)
from .rules import Rules

__all__ = ["ACTIONS", "ResolutionRequest", "resolve", "resolve_within", "stored_resolution"]

_COUNT_HOLDS = ("COUNT_VARIANCE", "COUNT_AMBIGUOUS", "COUNT_DISAGREEMENT")


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
    try:
        with write_transaction(conn):
            return resolve_within(conn, request, rules)
    except BaseException:
        # A rolled-back map may have taught this process's catalog a barcode
        # the database no longer has: read it afresh next time.
        catalog_for(conn).version = ("", -1)
        raise


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


def _check_voidable(movement: sqlite3.Row, done: str) -> None:
    """A posted movement whose effects reach beyond the ledger cannot be undone here."""
    if movement["kind"] == "count":
        raise InvalidRequest(f"a posted count is corrected by a new count, not {done}")
    ref = json.loads(movement["payload"]).get("ref") or {}
    if movement["kind"] == "pick" and ref.get("order_line"):
        raise InvalidRequest(
            f"this pick counted against order line {ref['order_line']}, so it is not {done}"
            " here: reallocate the units (OVERPICK) or accept"
        )


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
        detail.update(adjust_to(conn, movement, movement["units"], req, why, rules, posted))
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
        _check_voidable(movement, "edited")
        if req.qty is None and req.location is None:
            raise InvalidRequest("qty: the corrected quantity (or location: the corrected bin)")
        detail["void_seq"] = void_postings(conn, movement, rules)
        changes: dict[str, Any] = {"item": sku_of(conn, movement)}
        changes["qty"] = req.qty if req.qty is not None else movement["units"]
        if req.location is not None:
            changes["from" if movement["from_id"] is not None else "to"] = req.location
        copy(changes)
        return "edited", detail, True
    if req.action == "void":
        if not held:
            _check_voidable(movement, "voided")
            detail["void_seq"] = void_postings(conn, movement, rules)
        return "voided", detail, True
    if req.action == "recount":
        detail["count_task"] = request_recount(conn, conflict, movement, req)
        return ("superseded" if held else state), detail, held
    if req.action == "map":
        if not held or code not in ("UNKNOWN_ITEM", "UNKNOWN_LOCATION"):
            raise InvalidRequest("map is for a movement held with UNKNOWN_ITEM or UNKNOWN_LOCATION")
        detail.update(map_name(conn, movement, code, req, copy))
        return "superseded", detail, True
    # reallocate
    if code != "OVERPICK":
        raise InvalidRequest("reallocate is for an OVERPICK")
    if req.qty is None:
        raise InvalidRequest("qty: how many of the picked units go back")
    source = conn.execute("SELECT code FROM locations WHERE id = ?", (movement["to_id"],))
    target = req.location or code_of(conn, movement["from_id"])
    [result] = post_server(
        conn,
        {
            "kind": "transfer",
            "item": sku_of(conn, movement),
            "from": source.fetchone()[0],
            "to": target,
            "qty": req.qty,
            **lot_fields(conn, movement),
        },
        req,
        why,
        rules,
    )
    posted.append(result)
    return state, detail, False
