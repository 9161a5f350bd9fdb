"""The RMAs a returns clerk's device pulls (``changes.rmas``, an addition to
the protocol's example), so returns can be received offline.

Each row is an RMA with its lines as the server counts them::

    {"number": "RMA-7", "order": "SO-55", "status": "authorised",
     "lines": [{"line": "SO-55/1", "item": "SKU-1", "qty": 2, "received": 0}],
     "server_seq": 812}

``status`` is ``authorised``, ``partly received`` or ``received``.  An RMA
comes again whenever it changes — also when goods are received against it, by
any device or the returns desk — so a device drops it once it is
``received``.  A reset sends only the RMAs still waiting for goods.  Only
devices whose user may receive returns (``RETURN_ROLES``) get them.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .kinds import RETURN_ROLES

__all__ = ["rma_rows", "may_return", "RMA_SEQS"]

RMA_SEQS = "SELECT server_seq FROM rmas WHERE server_seq > :c AND :r"

_RMAS = (
    "SELECT r.id, r.number, o.number AS order_number, r.server_seq FROM rmas r"
    " JOIN orders o ON o.id = r.order_id WHERE r.server_seq > ? AND r.server_seq <= ?"
    " ORDER BY r.server_seq"
)
_LINES = (
    "SELECT rl.rma_id, ol.line_no, i.sku, rl.qty, rl.received FROM rma_lines rl"
    " JOIN order_lines ol ON ol.id = rl.order_line_id JOIN items i ON i.id = rl.item_id"
    " WHERE rl.rma_id IN ({ids}) ORDER BY rl.id"
)


def may_return(conn: sqlite3.Connection, username: str | None) -> bool:
    row = conn.execute(
        "SELECT role FROM users WHERE username = ? AND active = 1", (username,)
    ).fetchone()
    return row is not None and row[0] in RETURN_ROLES


def rma_rows(conn: sqlite3.Connection, cursor: int, upto: int) -> list[dict[str, Any]]:
    """RMAs changed in (cursor, upto]; from the start (cursor 0) only the open ones."""
    rmas = conn.execute(_RMAS, (cursor, upto)).fetchall()
    if not rmas:
        return []
    lines: dict[int, list[dict[str, Any]]] = {}
    ids = [r["id"] for r in rmas]
    for rma_id, line_no, sku, qty, received in conn.execute(
        _LINES.format(ids=",".join("?" * len(ids))), ids
    ):
        lines.setdefault(rma_id, []).append(
            {"line": None, "line_no": line_no, "item": sku, "qty": qty, "received": received}
        )
    out = []
    for r in rmas:
        mine = lines.get(r["id"], [])
        for line in mine:
            line["line"] = f"{r['order_number']}/{line.pop('line_no')}"
        authorised = sum(line["qty"] for line in mine)
        received = sum(min(line["received"], line["qty"]) for line in mine)
        status = (
            "received"
            if received >= authorised
            else "partly received"
            if received
            else "authorised"
        )
        if cursor == 0 and status == "received":
            continue
        out.append({"number": r["number"], "order": r["order_number"], "status": status,
                    "lines": mine, "server_seq": r["server_seq"]})  # fmt: skip
    return out
