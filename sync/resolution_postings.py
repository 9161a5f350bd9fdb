"""What resolutions write to the ledger, always by appending.

- ``post_held_count``: a held count posts at its own place in the movement
  order (``Merger.post_count``), with a posting of its own ``server_seq``;
- ``void_postings``: compensating entries for everything a movement posted,
  at the same places, so the ledger reads as if it had never come — and when
  a count placed after it had already seen it, that count absorbs the change
  (a re-adjustment, exactly as for a late delta);
- ``repost_held``: a held movement whose names now resolve (a mapped
  barcode or location) is merged again by the same code as a push — itself,
  with its id, device and seq, at its own place, its entries posted now;
- ``post_count_now``: a count placed now (after everything posted), made by
  the server's device and posted as it is — a supervisor's "counted now";
- ``post_copy``: a new server movement (through ``post_local_within``) made
  from a stored one with some fields replaced — a correction.

All run inside the caller's write transaction.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from .catalog import catalog_for
from .clock import EventClock, iso_now, ms_to_iso, now_ms
from .counts import Position, check_count, following_count
from .errors import Conflict
from .local import post_local_within
from .merge import Merger
from .meta import server_device_id
from .movement import WireMovement, decode_movement
from .posting import Key, Poster
from .rules import Rules

__all__ = [
    "CountPosting",
    "post_held_count",
    "repost_held",
    "post_count_now",
    "void_postings",
    "post_copy",
    "wire_of",
]


@dataclass(frozen=True)
class CountPosting:
    book: int
    variance: int
    value: float | None  # |variance| × unit cost; None without a unit cost
    server_seq: int


def _position(row: sqlite3.Row) -> Position:
    return Position(
        row["id"], row["device_id"], row["seq"], row["basis"], row["event_ms"], row["server_seq"]
    )


def _merger(conn: sqlite3.Connection, poster: Poster, rules: Rules, device_id: str) -> Merger:
    now = now_ms()
    return Merger(
        conn, poster, catalog_for(conn), rules, device_id, EventClock(now, now, None), iso_now()
    )


def post_held_count(
    conn: sqlite3.Connection,
    movement: sqlite3.Row,
    counted: int,
    rules: Rules,
    *,
    max_value: float | None = None,
) -> CountPosting:
    """Post a held count (with ``counted`` units) at its place.

    With ``max_value``, a variance worth more than that (or that cannot be
    valued) raises ``Conflict`` and nothing is written.
    """
    poster = Poster(conn)
    key: Key = (movement["item_id"], movement["to_id"], movement["lot"])
    pos = _position(movement)
    check = check_count(
        poster,
        key,
        pos,
        counted,
        window_ms=rules.count_window_ms,
        recount_window_ms=rules.recount_window_ms,
    )
    cost = conn.execute("SELECT unit_cost FROM items WHERE id = ?", (key[0],)).fetchone()[0]
    value = None if cost is None else round(abs(check.variance) * float(cost), 2)
    if max_value is not None and check.variance and (value is None or value > max_value):
        worth = "has no unit cost" if value is None else f"is worth {value:.2f}"
        raise Conflict(f"the variance of {check.variance:+d} {worth}; the limit is {max_value:.2f}")
    posted = poster.next_seq()
    merger = _merger(conn, poster, rules, movement["device_id"])
    merger.post_count(pos, key, counted, check.variance, check.absorbed_by, posted_seq=posted)
    poster.flush()
    return CountPosting(check.book, check.variance, value, posted)


def void_postings(conn: sqlite3.Connection, movement: sqlite3.Row, rules: Rules) -> int:
    """Compensate every entry the movement's posting wrote; returns the void's server_seq."""
    seq = int(movement["server_seq"])
    # A movement held and then posted (a mapped name) was posted later than it came.
    posting = conn.execute(
        "SELECT coalesce(min(server_seq), ?1) FROM ledger WHERE movement_seq = ?1 AND entry = ?2",
        (seq, movement["kind"]),
    ).fetchone()[0]
    entries = conn.execute(
        "SELECT movement_seq, item_id, location_id, lot, qty FROM ledger"
        " WHERE server_seq = ?2 AND (movement_seq = ?1 OR cause_seq = ?1) ORDER BY id",
        (seq, posting),
    ).fetchall()
    poster = Poster(conn)
    void_seq = poster.next_seq()
    virtual = {r[0] for r in conn.execute("SELECT id FROM locations WHERE kind = 'virtual'")}
    inventory = catalog_for(conn).virtual("INVENTORY").id
    pos = _position(movement)
    absorbed_at = {(e[1], e[2], e[3], e[0]) for e in entries if e[0] != seq}
    for placed_at, item_id, location_id, lot, qty in entries:
        key: Key = (item_id, location_id, lot)
        poster.entry(void_seq, placed_at, "void", key, -qty, seq)
        if placed_at != seq or location_id in virtual:
            continue
        # A count placed after the movement that had already seen it absorbs the void.
        poster.flush()
        count, _ = following_count(poster, key, pos, window_ms=rules.count_window_ms)
        if count is not None and (*key, count.server_seq) not in absorbed_at:
            poster.entry(void_seq, count.server_seq, "readjust", key, qty, seq)
            poster.entry(
                void_seq, count.server_seq, "readjust", (item_id, inventory, lot), -qty, seq
            )
    poster.flush()
    return void_seq


def repost_held(conn: sqlite3.Connection, movement: sqlite3.Row, rules: Rules) -> dict[str, Any]:
    """Merge a held movement again (its names resolve now); its new result.

    The same rules as a push decide: it may post (``applied``, ``flagged``
    with new conflicts) or be held again for something else (a count beyond
    tolerance, its other name still unknown).  Its ledger entries take its
    own place and are posted at a new ``server_seq``; the stored row gets its
    resolved names and state.  ``rejected`` writes nothing: the caller refuses.
    """
    poster = Poster(conn)
    posting = poster.next_seq()
    merger = _merger(conn, poster, rules, movement["device_id"])
    wire = msgspec.json.decode(movement["payload"].encode(), type=WireMovement)
    result, names = merger.repost(wire, _position(movement), posting)
    if result.outcome == "rejected":
        poster.forget(posting - 1)
        return result.as_json()
    poster.flush()
    item_id, lot, from_id, to_id, units = names
    # code and message stay what was first answered (a resend replays them);
    # the new outcome is the state the resolution sets, its conflicts are rows.
    conn.execute(
        "UPDATE movements SET item_id = ?, lot = ?, from_id = ?, to_id = ?, units = ?"
        " WHERE server_seq = ?",
        (item_id, lot, from_id, to_id, units, movement["server_seq"]),
    )
    return {**result.as_json(), "posted_seq": posting}


def post_count_now(
    conn: sqlite3.Connection,
    movement: sqlite3.Row,
    counted: int,
    *,
    by_user: str,
    why: str,
    rules: Rules,
) -> dict[str, Any]:
    """A count of ``counted`` at the held count's place, placed now; what it posted.

    It is a movement of the server's device (kind ``count``, its note naming
    the held one), placed after everything posted so far: its entry is
    ``counted − on hand now``, recorded in ``counts`` like any posted count.
    A supervisor decided it, so it posts as it is (it is not held again).
    """
    device_id = server_device_id(conn)
    device_seq = (
        int(conn.execute("SELECT last_seq FROM devices WHERE id = ?", (device_id,)).fetchone()[0])
        + 1
    )
    poster = Poster(conn)
    seq = poster.next_seq()
    now = now_ms()
    key: Key = (movement["item_id"], movement["to_id"], movement["lot"])
    item_id, location_id, lot = key
    sku, tracking = conn.execute(
        "SELECT sku, tracking FROM items WHERE id = ?", (item_id,)
    ).fetchone()
    code = conn.execute("SELECT code FROM locations WHERE id = ?", (location_id,)).fetchone()[0]
    wire: dict[str, Any] = {
        "id": str(uuid.uuid4()), "seq": device_seq, "kind": "count", "user": by_user,
        "recorded_at": ms_to_iso(now), "basis": seq - 1, "item": sku, "to": code,
        "qty": counted, "note": f"{why} (movement {movement['id']})"[:2000],
    }  # fmt: skip
    if lot:
        wire["serial" if tracking == "serial" else "lot"] = lot
    inc = decode_movement(0, msgspec.json.encode(wire))
    pos = Position(inc.id, device_id, device_seq, seq - 1, now, seq)
    check = check_count(poster, key, pos, counted, window_ms=0, recount_window_ms=0)
    merger = _merger(conn, poster, rules, device_id)
    merger.post_count(pos, key, counted, check.variance, check.absorbed_by)
    message = f"count of {sku} at {code}: on hand {check.book}, adjusted {check.variance:+d}"
    poster.movement(
        (
            inc.id, device_id, device_seq, seq, seq, "count", by_user, wire["recorded_at"],
            now, 0, iso_now(), seq - 1, item_id, lot, None, location_id, counted,
            "applied", "applied", None, message, inc.digest, inc.payload,
        )
    )  # fmt: skip
    poster.flush()
    conn.execute(
        "UPDATE devices SET last_seq = ? WHERE id = ? AND last_seq < ?",
        (device_seq, device_id, device_seq),
    )
    return {"id": inc.id, "on_hand_before": check.book, "adjusted": check.variance}


def wire_of(conn: sqlite3.Connection, movement: sqlite3.Row) -> dict[str, Any]:
    """The stored movement as the device sent it (without id, seq, basis)."""
    wire: dict[str, Any] = json.loads(movement["payload"])
    for name in ("id", "seq", "basis", "user", "recorded_at"):
        wire.pop(name, None)
    return {k: v for k, v in wire.items() if v is not None}


def post_copy(
    conn: sqlite3.Connection,
    movement: sqlite3.Row,
    changes: dict[str, Any],
    *,
    by_user: str,
    why: str,
    rules: Rules,
) -> dict[str, Any]:
    """Post a new server movement made from ``movement`` with ``changes``; its result."""
    wire = {**wire_of(conn, movement), **changes}
    wire["note"] = f"{why} (movement {movement['id']})"[:2000]
    if wire.get("kind") in ("adjust", "scrap"):
        wire.setdefault("reason", why[:200])
    [result] = post_local_within(conn, [wire], user=by_user, rules=rules)
    return result
