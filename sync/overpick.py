"""Reallocating an overpick: the extra units go to a line that needs them.

An ``OVERPICK`` pick posted anyway: its extra units sit where the picker put
them (a tote, staging).  A supervisor's ``reallocate`` gives them, in the
order allocation serves orders (priority, then the oldest order), to open
order lines of the same item that still need units — a backordered line, or
one not fully reserved — by *reserving them where they are*.  An order with
an open pick list gets a pick task for them on that list (from the tote into
the order's own tote), so its picker's devices pull it; otherwise the next
wave makes one.  A backordered order whose lines are then all reserved
(``allocation.allocate`` tries the bins for the rest) becomes ``allocated``.
Units no line needs get a put-back task to a bin (``putback``), done by the
picker's ``putaway`` like any other.

The bin picked from comes first.  The overpick took units from it that were
often reserved for other orders (a bin's stock is promised in full when
orders wait), so the bin may now hold fewer units than it has reserved.  As
many of the extra units as the bin is short go back to it before any line
gets some: giving them to another order would promise the same units twice.

The overpicked line gives the units up: its ``picked`` goes down by them and
a ``line_picks`` row of −qty records it, so a later cancel of its order puts
back only what is still its own.  Nothing moves in the ledger here: the
units move when the pick task or the put-back is done, by movements.

Runs inside the resolution's write transaction.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .allocation import allocate
from .batch_refs import parse_line_ref
from .clock import iso_now
from .errors import InvalidRequest
from .kinds import ORDER_TRANSITIONS
from .meta import next_server_seq
from .putback import putback_late_pick

__all__ = ["reallocate_overpick"]

_WANTING = """
SELECT ol.id, o.id AS order_id, o.number || '/' || ol.line_no AS ref, o.status,
       ol.qty - ol.picked - coalesce((SELECT sum(r.qty) FROM reservations r
                                     WHERE r.order_line_id = ol.id AND r.released_at IS NULL),
                                    0) AS need
FROM order_lines ol JOIN orders o ON o.id = ol.order_id
WHERE ol.item_id = :item AND ol.id != :line
  AND o.status IN ('new', 'allocated', 'backordered', 'picking')
ORDER BY o.priority, o.id, ol.line_no
"""


def _line_of(conn: sqlite3.Connection, ref: str) -> sqlite3.Row | None:
    parsed = parse_line_ref(ref)
    if parsed is None:
        return None
    row: sqlite3.Row | None = conn.execute(
        "SELECT ol.id, ol.qty, ol.picked, ol.item_id, o.number, o.status FROM order_lines ol"
        " JOIN orders o ON o.id = ol.order_id WHERE o.number = ? AND ol.line_no = ?",
        parsed,
    ).fetchone()
    return row


def _free_at(conn: sqlite3.Connection, item_id: int, location_id: int, lot: str) -> int:
    row = conn.execute(
        "SELECT coalesce((SELECT on_hand FROM stock WHERE item_id = ?1 AND location_id = ?2"
        " AND lot = ?3), 0) - coalesce((SELECT sum(qty) FROM reservations WHERE item_id = ?1"
        " AND location_id = ?2 AND lot = ?3 AND released_at IS NULL), 0)",
        (item_id, location_id, lot),
    ).fetchone()
    return int(row[0])


def _lot_allocatable(conn: sqlite3.Connection, item_id: int, lot: str) -> bool:
    if not lot:
        return True
    row = conn.execute(
        "SELECT status, expiry FROM lots WHERE item_id = ? AND code = ?", (item_id, lot)
    ).fetchone()
    return row is None or (row[0] == "ok" and (row[1] is None or row[1] >= iso_now()[:10]))


def _task_on_open_list(
    conn: sqlite3.Connection, order_id: int, reservation_id: int, line_id: int,
    item_id: int, location_id: int, lot: str, qty: int, seq: int,
) -> str | None:  # fmt: skip
    """A pick task for the reservation on the order's open pick list, if it has one."""
    row = conn.execute(
        "SELECT t.pick_list_id, t.tote_id FROM pick_tasks t JOIN pick_lists p"
        " ON p.id = t.pick_list_id JOIN order_lines ol ON ol.id = t.order_line_id"
        " WHERE ol.order_id = ? AND p.status = 'open' ORDER BY t.id DESC LIMIT 1",
        (order_id,),
    ).fetchone()
    if row is None:
        return None
    list_id, tote_id = row
    walk = conn.execute(
        "SELECT coalesce(max(walk), 0) + 1 FROM pick_tasks WHERE pick_list_id = ?", (list_id,)
    ).fetchone()[0]
    cur = conn.execute(
        "INSERT INTO pick_tasks(pick_list_id, walk, reservation_id, order_line_id, item_id,"
        " location_id, lot, qty, tote_id, server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (list_id, walk, reservation_id, line_id, item_id, location_id, lot, qty, tote_id, seq),
    )
    conn.execute("UPDATE pick_lists SET server_seq = ? WHERE id = ?", (seq, list_id))
    return f"PT-{cur.lastrowid}"


def _allocated_now(
    conn: sqlite3.Connection, order_id: int, status: str, seq: int, by_user: str, why: str
) -> bool:
    """A backordered order whose lines are all reserved now moves on to allocated."""
    if status != "backordered" or not allocate(conn, order_id):
        return False
    assert "allocated" in ORDER_TRANSITIONS[status]
    conn.execute(
        "UPDATE orders SET status = 'allocated', server_seq = ? WHERE id = ?", (seq, order_id)
    )
    conn.execute(
        "INSERT INTO order_events(order_id, from_status, to_status, by_user, at, note)"
        " VALUES (?, 'backordered', 'allocated', ?, ?, ?)",
        (order_id, by_user, iso_now(), why[:500]),
    )
    return True


def _put_back(
    conn: sqlite3.Connection, line_id: int, movement: sqlite3.Row, bin_id: int, units: int,
    *, by_user: str, seq: int,
) -> dict[str, Any]:  # fmt: skip
    putback_late_pick(conn, line_id, movement["item_id"], tote_id=movement["to_id"],
                      bin_id=bin_id, lot=movement["lot"], units=units,
                      user=movement["user"] or by_user, seq=seq)  # fmt: skip
    task_id = conn.execute("SELECT last_insert_rowid()").fetchone()[0]
    to_code = conn.execute("SELECT code FROM locations WHERE id = ?", (bin_id,)).fetchone()
    return {"task": f"PB-{task_id}", "qty": units, "to": to_code[0]}


def reallocate_overpick(
    conn: sqlite3.Connection,
    movement: sqlite3.Row,
    qty: int | None,
    *,
    put_back_to: int | None,
    by_user: str,
    why: str,
) -> dict[str, Any]:
    """Give an overpick's extra units to lines that need them, the rest put-back tasks.

    ``qty``: how many (default: the units beyond the line's quantity);
    ``put_back_to``: the bin for what no line needs (default: the bin picked
    from).  What the bin picked from is short of its reservations goes back
    to it whatever ``put_back_to`` says.
    """
    ref = (json.loads(movement["payload"]).get("ref") or {}).get("order_line") or ""
    line = _line_of(conn, ref)
    if line is None or movement["kind"] != "pick":
        raise InvalidRequest("reallocate is for a pick against an order line")
    if line["status"] == "cancelled":
        # its cancel gave every unit picked for it, the extra ones too, a put-back task
        raise InvalidRequest(
            f"{line['number']} was cancelled: its put-back tasks return all it picked,"
            " the extra units too; accept this conflict instead"
        )
    item_id, tote_id, lot = movement["item_id"], movement["to_id"], movement["lot"]
    counted = (
        conn.execute(
            # a pick held and then posted (a mapped name) counted at its posting
            "SELECT 1 FROM line_picks WHERE order_line_id = ?1 AND units > 0 AND movement_seq IN"
            " (?2, (SELECT min(server_seq) FROM ledger"
            "       WHERE movement_seq = ?2 AND entry = 'pick'))",
            (line["id"], movement["server_seq"]),
        ).fetchone()
        is not None
    )
    extra = (
        min(movement["units"], max(0, line["picked"] - line["qty"]))
        if counted
        else (movement["units"])
    )
    qty = extra if qty is None else qty
    if qty <= 0:
        raise InvalidRequest(f"{ref}: nothing is picked beyond the line's {line['qty']}")
    if qty > extra:
        raise InvalidRequest(f"qty: at most {extra} (the units picked beyond {ref})")
    free = _free_at(conn, item_id, tote_id, lot)
    if qty > free:
        raise InvalidRequest(f"qty: only {max(free, 0)} of them are still where they were put")
    seq = next_server_seq(conn)
    now = iso_now()
    owed = min(qty, max(0, -_free_at(conn, item_id, movement["from_id"], lot)))
    left = qty - owed
    given: list[dict[str, Any]] = []
    if left > 0 and _lot_allocatable(conn, item_id, lot):
        for want in conn.execute(_WANTING, {"item": item_id, "line": line["id"]}).fetchall():
            if left <= 0:
                break
            take = min(left, want["need"])
            if take <= 0:
                continue
            cur = conn.execute(
                "INSERT INTO reservations(order_line_id, item_id, location_id, lot, qty,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (want["id"], item_id, tote_id, lot, take, now),
            )
            reservation_id = int(cur.lastrowid or 0)
            task = _task_on_open_list(conn, want["order_id"], reservation_id, want["id"],
                                      item_id, tote_id, lot, take, seq)  # fmt: skip
            allocated = _allocated_now(conn, want["order_id"], want["status"], seq, by_user,
                                       f"overpick of {ref} reallocated: {why}")  # fmt: skip
            given.append({"order_line": want["ref"], "qty": take, "task": task,
                          "order_allocated": allocated})  # fmt: skip
            left -= take
    back_to: dict[int, int] = {}  # bin id -> units, the bin picked from first
    if owed:
        back_to[movement["from_id"]] = owed
    if left > 0:
        bin_id = put_back_to or movement["from_id"]
        back_to[bin_id] = back_to.get(bin_id, 0) + left
    put_backs = [
        _put_back(conn, line["id"], movement, bin_id, units, by_user=by_user, seq=seq)
        for bin_id, units in back_to.items()
    ]
    if counted:
        conn.execute("UPDATE order_lines SET picked = picked - ? WHERE id = ?", (qty, line["id"]))
        conn.execute(
            "INSERT INTO line_picks(order_line_id, movement_seq, task_id, from_id, to_id, lot,"
            " units, user) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)",
            (line["id"], movement["server_seq"], movement["from_id"], tote_id, lot, -qty,
             by_user),
        )  # fmt: skip
    return {"qty": qty, "reallocated": given, "put_backs": put_backs}
