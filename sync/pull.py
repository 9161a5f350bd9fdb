"""``POST /api/sync/pull``: the rows that changed after a cursor, in pages.

Every row a device can see carries the ``server_seq`` of its last change.  A
page holds the rows with ``cursor < server_seq <= upto``, where ``upto`` is
chosen so the page holds about ``limit`` rows and never splits one
``server_seq`` between two pages — so no change is ever skipped.  Everything,
``device_last_seq`` included, is read in one read transaction.

The request may carry the ``epoch`` the device last saw (an addition to the
protocol's example, which shows none); without it, the cursor's epoch is the
one the device last pulled in, as the database recorded it.  A cursor from
another epoch, no cursor, or a cursor beyond the server's newest change
answers ``reset``.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import msgspec

from .clock import iso_now
from .count_tasks import count_task_rows
from .db import read_transaction
from .errors import TOO_DEEP, DeviceRefused, InvalidRequest, UnsupportedProtocol
from .handoffs import HANDOFF_SEQS, reassigned_rows
from .kinds import PROTOCOL_VERSION
from .meta import current_server_seq, epoch
from .pull_rmas import RMA_SEQS, may_return, rma_rows
from .recount_outcome import recount_outcome
from .waves import TASKS_FOR_USER

__all__ = ["PullRequest", "decode_pull", "pull", "mark_pulled"]


class PullRequest(msgspec.Struct):
    protocol: int
    device_id: str
    cursor: int | None = None
    limit: int = 2000
    epoch: str | None = None


_decoder = msgspec.json.Decoder(PullRequest)


def decode_pull(body: bytes) -> PullRequest:
    try:
        request = _decoder.decode(body)
    except msgspec.ValidationError as exc:
        raise InvalidRequest(f"malformed pull: {exc}".replace("`", "")) from None
    except msgspec.DecodeError:
        raise InvalidRequest("the body is not valid JSON") from None
    except RecursionError:
        raise InvalidRequest(TOO_DEEP) from None
    if request.protocol != PROTOCOL_VERSION:
        raise UnsupportedProtocol(
            f"protocol {request.protocol} is not supported; this server speaks {PROTOCOL_VERSION}"
        )
    if request.limit < 1:
        raise InvalidRequest("limit: must be 1 or more")
    if request.cursor is not None and request.cursor < 0:
        raise InvalidRequest("cursor: must be 0 or more")
    return request


# Each feed: the query for its rows in (cursor, upto], and how to shape a row.
_FEEDS: dict[str, str] = {
    "items": (
        "SELECT i.id, i.sku, i.name, i.unit, i.tracking, i.expiry_tracked, i.reorder_point,"
        " i.reorder_qty, i.item_class, i.active, i.server_seq FROM items i"
        " WHERE i.server_seq > ? AND i.server_seq <= ?"
    ),
    "locations": (
        "SELECT l.code, l.barcode, l.kind, l.zone, l.pick_seq, l.active, w.code AS warehouse,"
        " coalesce(a.codes, '[]') AS aliases, l.server_seq"
        " FROM locations l LEFT JOIN warehouses w ON w.id = l.warehouse_id"
        # every alias read once per page (location_aliases is keyed by code, not location)
        " LEFT JOIN (SELECT location_id, json_group_array(code) AS codes FROM location_aliases"
        "            GROUP BY location_id) a ON a.location_id = l.id"
        " WHERE l.server_seq > ? AND l.server_seq <= ? AND l.kind != 'virtual'"
    ),
    "lots": (
        "SELECT i.sku AS item, lots.code, lots.expiry, lots.status, lots.server_seq FROM lots"
        " JOIN items i ON i.id = lots.item_id"
        " WHERE lots.server_seq > ? AND lots.server_seq <= ?"
    ),
}

# Stock rows change only through ledger entries, so the changed rows are found
# through the ledger's server_seq index; a reset reads the whole table.
_STOCK_SINCE = (
    "SELECT i.sku AS item, l.code AS location, s.lot, s.on_hand, s.server_seq FROM stock s"
    " JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id"
    " WHERE (s.item_id, s.location_id, s.lot) IN (SELECT item_id, location_id, lot FROM ledger"
    "   WHERE server_seq > ?1 AND server_seq <= ?2)"
    " AND s.server_seq > ?1 AND s.server_seq <= ?2 AND l.kind != 'virtual'"
)
_STOCK_ALL = (
    "SELECT i.sku AS item, l.code AS location, s.lot, s.on_hand, s.server_seq FROM stock s"
    " JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id"
    " WHERE s.server_seq > ?1 AND s.server_seq <= ?2 AND l.kind != 'virtual'"
)

# server_seq of the rows each feed would return, to find where a page ends.
_SEQS = (
    "SELECT server_seq FROM items WHERE server_seq > :c"
    " UNION ALL SELECT server_seq FROM locations WHERE server_seq > :c AND kind != 'virtual'"
    " UNION ALL SELECT server_seq FROM lots WHERE server_seq > :c"
    " UNION ALL SELECT server_seq FROM ledger WHERE server_seq > :c"
    " UNION ALL SELECT status_seq FROM movements WHERE device_id = :d AND status_seq > :c"
    " UNION ALL SELECT t.server_seq FROM pick_tasks t JOIN pick_lists p ON p.id = t.pick_list_id"
    "   WHERE t.server_seq > :c AND p.assigned_to = :u"
    " UNION ALL SELECT server_seq FROM putback_tasks WHERE server_seq > :c AND assigned_to = :u"
    " UNION ALL SELECT server_seq FROM count_tasks WHERE server_seq > :c"
    "   AND (assigned_to IS NULL OR assigned_to = :u)"
    f" UNION ALL {HANDOFF_SEQS} UNION ALL {RMA_SEQS}"
    " ORDER BY 1 LIMIT 1 OFFSET :o"
)
# From the start, the stock table itself is smaller than its history.
_SEQS_RESET = _SEQS.replace(
    "SELECT server_seq FROM ledger WHERE server_seq > :c",
    "SELECT s.server_seq FROM stock s JOIN locations l ON l.id = s.location_id"
    " WHERE s.server_seq > :c AND l.kind != 'virtual'",
)


def _items(conn: sqlite3.Connection, cursor: int, upto: int) -> list[dict[str, Any]]:
    rows = conn.execute(_FEEDS["items"], (cursor, upto)).fetchall()
    barcodes: dict[int, list[dict[str, Any]]] = {}
    if rows:
        ids = [r["id"] for r in rows]
        marks = ",".join("?" * len(ids))
        for code, item_id, pack in conn.execute(
            f"SELECT code, item_id, pack_qty FROM item_barcodes WHERE item_id IN ({marks})", ids
        ):
            barcodes.setdefault(item_id, []).append({"code": code, "pack_qty": pack})
    return [
        {
            "sku": r["sku"],
            "name": r["name"],
            "unit": r["unit"],
            "tracking": r["tracking"],
            "expiry_tracked": bool(r["expiry_tracked"]),
            "reorder_point": r["reorder_point"],
            "reorder_qty": r["reorder_qty"],
            "item_class": r["item_class"],
            "active": bool(r["active"]),
            "barcodes": barcodes.get(r["id"], []),
            "server_seq": r["server_seq"],
        }
        for r in rows
    ]


def _results(
    conn: sqlite3.Connection, device_id: str, cursor: int, upto: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT id, seq, state, code, message, status_seq, server_seq FROM movements"
        " WHERE device_id = ? AND status_seq > ? AND status_seq <= ? ORDER BY status_seq",
        (device_id, cursor, upto),
    ).fetchall()
    out = []
    for r in rows:
        conflicts = [
            {"id": f"c-{c[0]}", "code": c[1], "state": c[2]}
            for c in conn.execute(
                "SELECT id, code, state FROM conflicts WHERE movement_seq = ? ORDER BY id",
                (r[6],),
            )
        ]
        result = {
            "id": r[0],
            "seq": r[1],
            "outcome": r[2],
            "code": r[3],
            "message": r[4],
            "conflicts": conflicts,
            "server_seq": r[5],
        }
        if r[5] != r[6]:  # changed after it was posted: a supervisor resolved something
            result["resolutions"] = [
                _resolution(conn, x)
                for x in conn.execute(
                    "SELECT id, conflict_id, action, reason, by_user, at, detail FROM resolutions"
                    " WHERE movement_seq = ? ORDER BY server_seq",
                    (r[6],),
                )
            ]
        out.append(result)
    return out


def _resolution(conn: sqlite3.Connection, x: sqlite3.Row) -> dict[str, Any]:
    """One resolution as a device sees it; a recount's with its task and outcome."""
    detail = json.loads(x[6] or "{}")
    out = {"id": x[0], "conflict": f"c-{x[1]}", "action": x[2], "reason": x[3], "by": x[4],
           "at": x[5], "posted": detail.get("posted", [])}  # fmt: skip
    if detail.get("count_task"):
        out["count_task"] = detail["count_task"]
        out["recount"] = recount_outcome(conn, detail["count_task"])
    return out


def pull(conn: sqlite3.Connection, request: PullRequest, max_limit: int = 5000) -> dict[str, Any]:
    """One page of changes for the device (already authenticated)."""
    limit = min(request.limit, max_limit)
    with read_transaction(conn):
        device = conn.execute(
            "SELECT last_seq, revoked_at, username, epoch FROM devices WHERE id = ?",
            (request.device_id,),
        ).fetchone()
        if device is None or device["revoked_at"] is not None:
            raise DeviceRefused("this device is not registered here, or has been revoked")
        current_epoch = epoch(conn)
        newest = current_server_seq(conn)
        cursor = request.cursor
        # the cursor's epoch: as the device says, else the one it last pulled in
        # (a restored database kept the epoch of the device's pulls before the backup)
        seen = request.epoch if request.epoch is not None else device["epoch"]
        reset = cursor is None or (seen is not None and seen != current_epoch) or cursor > newest
        start = 0 if reset or cursor is None else cursor
        seqs = _SEQS_RESET if start == 0 else _SEQS
        returns = may_return(conn, device["username"])
        who = {"d": request.device_id, "u": device["username"], "r": int(returns)}
        boundary = conn.execute(seqs, {**who, "c": start, "o": limit - 1}).fetchone()
        if boundary is None:
            upto, more = newest, False
        else:
            upto = int(boundary[0])
            more = conn.execute(_SEQS, {**who, "c": upto, "o": 0}).fetchone() is not None
            if not more:
                upto = newest
        changes: dict[str, Any] = {
            "items": _items(conn, start, upto),
            "locations": [_shape(r) for r in conn.execute(_FEEDS["locations"], (start, upto))],
            "lots": [_shape(r) for r in conn.execute(_FEEDS["lots"], (start, upto))],
            "stock": [
                _shape(r)
                for r in conn.execute(_STOCK_ALL if start == 0 else _STOCK_SINCE, (start, upto))
            ],
            "tasks": [
                *(
                    dict(row)
                    for row in conn.execute(
                        TASKS_FOR_USER, {"user": device["username"], "cursor": start, "upto": upto}
                    )
                ),
                *count_task_rows(conn, device["username"], start, upto),
                *reassigned_rows(conn, device["username"], start, upto),
            ],
            "rmas": rma_rows(conn, start, upto) if returns else [],
            "results": _results(conn, request.device_id, start, upto),
        }
        device_last_seq = int(device["last_seq"])
    return {
        "epoch": current_epoch,
        "cursor": upto,
        "more": more,
        "reset": reset,
        "device_last_seq": device_last_seq,
        "changes": changes,
    }


def mark_pulled(conn: sqlite3.Connection, device_id: str) -> None:
    """Note when a device last pulled (for the fleet view).  A small write of its own."""
    conn.execute(
        "UPDATE devices SET last_pull_at = ?,"
        " epoch = (SELECT value FROM meta WHERE key = 'epoch') WHERE id = ?",
        (iso_now(), device_id),
    )


def _shape(row: sqlite3.Row) -> dict[str, Any]:
    out = dict(row)
    if "lot" in out:
        out["lot"] = out["lot"] or None
    if "active" in out:
        out["active"] = bool(out["active"])
    if "aliases" in out:  # other codes the location answers to
        out["aliases"] = sorted(json.loads(out["aliases"]))
    return out
