"""Supervisor resolutions (protocol, "Supervisor resolutions").

A conflict is resolved by appending, never by editing history: each
resolution is a row of its own (id, who, when, why, what it did), and every
change of stock it makes goes through the ledger (``resolution_postings``).
The resolved movement's ``state`` and ``status_seq`` change, so the device
that sent it sees the outcome on its next pull, in ``changes.results``.

Actions, and what each does to the movement:

    accept              a held count posts at its place (state applied); a
                        posted movement's conflict is acknowledged
    accept_counted_now  a held count's quantity is asserted as of now: a count
                        placed now posts (on the server's device, its note
                        naming the held one); the held count is superseded
    edit                a held count posts with another quantity (edited); a
                        posted movement is voided and a corrected copy posts
                        (which fields each may change: ``resolution_fields``)
    void                compensating entries for everything it posted (voided);
                        a held movement never posts (voided)
    recount             a count task for the place (a held movement: superseded);
                        when its count arrives, its outcome shows here
    map                 an unknown barcode becomes the item's, or an unknown
                        location code another name of a known one; the held
                        movement itself then posts (its id, device, seq, place)
                        and so does every other movement held for that name,
                        each with a resolution of its own
    reallocate          an overpick's extra units are reserved for open lines
                        that need the item; the rest get a put-back task

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
from .meta import current_server_seq, next_server_seq
from .overpick import reallocate_overpick
from .recount_outcome import recount_outcome
from .resolution_fields import COUNT_HOLDS, target_of, unused_fields
from .resolution_postings import (
    post_copy,
    post_count_now,
    post_held_count,
    repost_held,
    void_postings,
)
from .resolution_request import ACTIONS, ResolutionRequest
from .resolution_steps import held_for_name, map_name, request_recount, sku_of
from .rules import Rules

__all__ = ["ACTIONS", "ResolutionRequest", "resolve", "resolve_within", "stored_resolution"]


def stored_resolution(conn: sqlite3.Connection, resolution_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT r.*, m.id AS movement_id, m.state AS movement_state FROM resolutions r"
        " JOIN movements m ON m.server_seq = r.movement_seq WHERE r.id = ?",
        (resolution_id,),
    ).fetchone()
    if row is None:
        return None
    detail = json.loads(row["detail"] or "{}")
    if detail.get("count_task"):
        detail["recount"] = recount_outcome(conn, detail["count_task"])
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
    unused = unused_fields(
        request.action, request.given(), target_of(movement["state"], conflict["code"])
    )
    if unused:  # refused, not dropped: what posts is what was asked for
        raise InvalidRequest("; ".join(unused.values()), list(unused.values()))
    before = current_server_seq(conn)
    state, detail, whole_movement = _act(conn, request, conflict, movement, rules)
    _record(conn, request, request.conflict_id, movement, state, detail, whole_movement, before)
    if request.action == "map":
        _map_the_others(conn, request, conflict, movement, detail, rules)
    stored = stored_resolution(conn, request.id)
    assert stored is not None
    return {**stored, "replayed": False}


def _record(
    conn: sqlite3.Connection,
    request: ResolutionRequest,
    conflict_id: int,
    movement: sqlite3.Row,
    state: str,
    detail: dict[str, Any],
    whole_movement: bool,
    before: int,
    resolution_id: str | None = None,
) -> None:
    """The resolution row; its conflict (or every conflict of the movement that
    was open before it) closed; the movement's new state, for the device."""
    resolution_id = resolution_id or request.id
    seq = next_server_seq(conn)
    conn.execute(
        "INSERT INTO resolutions(id, conflict_id, movement_seq, action, reason, by_user, at,"
        " server_seq, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            resolution_id,
            conflict_id,
            movement["server_seq"],
            request.action,
            request.reason,
            request.by_user,
            iso_now(),
            seq,
            json.dumps(detail),
        ),
    )
    # Conflicts the resolution itself raised (a mapped movement that now
    # goes negative, a count held again) stay open.
    closes = "movement_seq = ?" if whole_movement else "id = ?"
    conn.execute(
        f"UPDATE conflicts SET state = 'resolved', resolution_id = ? WHERE {closes}"
        " AND state = 'open' AND server_seq <= ?",
        (resolution_id, movement["server_seq"] if whole_movement else conflict_id, before),
    )
    conn.execute(
        "UPDATE movements SET state = ?, status_seq = ? WHERE server_seq = ?",
        (state, seq, movement["server_seq"]),
    )


def _map_the_others(
    conn: sqlite3.Connection,
    request: ResolutionRequest,
    conflict: sqlite3.Row,
    movement: sqlite3.Row,
    detail: dict[str, Any],
    rules: Rules,
) -> None:
    """Every other movement held for the same unknown name posts by the same
    mapping, each with a resolution of its own (id ``<id>:c-<n>``)."""
    mapped = detail["mapped"]
    name = mapped.get("barcode") if conflict["code"] == "UNKNOWN_ITEM" else mapped.get("location")
    others = held_for_name(conn, conflict["code"], name, conflict["id"])
    also: list[dict[str, Any]] = []
    left: list[dict[str, Any]] = []
    for other_id, other_seq in others:
        other = conn.execute(
            "SELECT * FROM movements WHERE server_seq = ?", (other_seq,)
        ).fetchone()
        before = current_server_seq(conn)
        conn.execute("SAVEPOINT map_other")
        try:
            state, other_detail = _post_mapped(conn, other, rules)
        except InvalidRequest as exc:  # it alone cannot post this way: it stays open
            conn.execute("ROLLBACK TO SAVEPOINT map_other")
            conn.execute("RELEASE SAVEPOINT map_other")
            left.append({"conflict": f"c-{other_id}", "movement": other["id"], "why": exc.message})
            continue
        conn.execute("RELEASE SAVEPOINT map_other")
        other_detail.update(mapped=mapped, with_resolution=request.id)
        resolution_id = f"{request.id}:c-{other_id}"[:120]
        _record(conn, request, other_id, other, state, other_detail, True, before, resolution_id)
        also.append({"conflict": f"c-{other_id}", "movement": other["id"], "state": state,
                     "resolution": resolution_id})  # fmt: skip
    if also or left:
        detail["also_mapped"] = also
        if left:
            detail["not_mapped"] = left
        conn.execute(
            "UPDATE resolutions SET detail = ? WHERE id = ?", (json.dumps(detail), request.id)
        )


def _post_mapped(
    conn: sqlite3.Connection, movement: sqlite3.Row, rules: Rules
) -> tuple[str, dict[str, Any]]:
    """Post a held movement whose name is mapped now: (its new state, detail)."""
    result = repost_held(conn, movement, rules)
    if result["outcome"] == "rejected":
        raise InvalidRequest(f"{movement['id']} cannot post that way: {result['message']}")
    detail: dict[str, Any] = {"posted": [], "outcome": result["outcome"]}
    new = list(result["conflicts"])
    if new:
        detail["new_conflicts"] = new
    return result["outcome"], detail


def _check_voidable(movement: sqlite3.Row, done: str) -> None:
    """A posted movement whose effects reach beyond the ledger cannot be undone here."""
    if movement["kind"] == "count":
        raise InvalidRequest(f"a posted count is corrected by a new count, not {done}")
    ref = json.loads(movement["payload"]).get("ref") or {}
    kind = movement["kind"]
    if kind == "pick" and ref.get("order_line"):
        raise InvalidRequest(
            f"this pick counted against order line {ref['order_line']}, so it is not {done}"
            " here: reallocate the units (OVERPICK) or accept"
        )
    counted = _counted_against(kind, ref)
    if counted is not None:
        raise InvalidRequest(
            f"this {kind} counted against {counted}, so it is not {done} here: accept it,"
            " and record a movement that puts right what happened"
        )


def _counted_against(kind: str, ref: dict[str, Any]) -> str | None:
    """What besides stock a posted movement counted against: undoing its ledger
    entries alone would leave a line's packed or shipped units, an RMA's
    received ones or a put-back task done as they were."""
    if kind in ("pack", "ship") and ref.get("order_line"):
        return f"order line {ref['order_line']}"
    if kind == "return" and ref.get("rma"):
        return str(ref["rma"])
    task = str(ref.get("task") or "")
    if kind in ("putaway", "transfer") and task.startswith("PB-"):
        return f"put-back task {task}"
    return None


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
    is_count_hold = held and code in COUNT_HOLDS
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
        now = post_count_now(
            conn, movement, movement["units"], by_user=req.by_user, why=why, rules=rules
        )
        posted.append(now["id"])
        detail.update(
            counted=movement["units"],
            on_hand_before=now["on_hand_before"],
            adjusted=now["adjusted"],
            count=now["id"],
        )
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
        detail["mapped"] = map_name(conn, movement, code, req)
        state, posting = _post_mapped(conn, movement, rules)
        detail.update(posting)
        return state, detail, True
    # reallocate
    if code != "OVERPICK":
        raise InvalidRequest("reallocate is for an OVERPICK")
    put_back_to = None
    if req.location is not None:
        place = catalog_for(conn).location(req.location)
        if place is None or place.virtual:
            raise InvalidRequest(f"location: no location {req.location}")
        put_back_to = place.id
    detail.update(
        reallocate_overpick(
            conn, movement, req.qty, put_back_to=put_back_to, by_user=req.by_user, why=why
        )
    )
    return state, detail, False
