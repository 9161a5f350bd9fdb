"""The returns desk: goods received back, graded and dispositioned.

Each returned line posts a ``return`` movement (CUSTOMER → a returns or
quarantine location, naming the RMA, with its condition grade), then what
the clerk decided, in the same transaction:

- ``restock``: a ``putaway`` from the returns location to a pick or reserve bin;
- ``quarantine``: a ``transfer`` to a quarantine location (none if received there);
- ``scrap``: a ``scrap`` movement with the RMA and grade as its reason.

Returns with no RMA, or beyond it, post anyway, flagged ``RETURN_UNEXPECTED``
by the merge (``fulfilment_hooks.py``): the goods are here.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .catalog import Catalog, LocationRef, catalog_for
from .clock import iso_now
from .db import write_transaction
from .errors import InvalidRequest
from .kinds import RETURN_CONDITIONS, RETURN_DISPOSITIONS
from .local import post_local_within
from .packing import posted_or_refuse
from .rmas import get_rma, rma_row
from .rules import Rules

__all__ = ["receive_return"]

RECEIVE_KINDS = ("returns", "quarantine")
RESTOCK_KINDS = ("pick", "reserve")


def _place(catalog: Catalog, code: object, kinds: tuple[str, ...], name: str) -> LocationRef:
    if not isinstance(code, str) or not code.strip():
        raise InvalidRequest(f"{name}: required, a {' or '.join(kinds)} location")
    loc = catalog.location(code)
    if loc is None or loc.kind not in kinds:
        raise InvalidRequest(f"{name}: {code} is not a {' or '.join(kinds)} location")
    return loc


def _first(conn: sqlite3.Connection, catalog: Catalog, kind: str) -> LocationRef:
    row = conn.execute(
        "SELECT code FROM locations WHERE kind = ? AND active = 1 ORDER BY pick_seq, code LIMIT 1",
        (kind,),
    ).fetchone()
    if row is None:
        raise InvalidRequest(f"there is no {kind} location: add one")
    return catalog.locations[row[0]]


def receive_return(
    conn: sqlite3.Connection,
    *,
    rma: str | None,
    lines: list[dict[str, Any]],
    location: str | None = None,
    by_user: str,
    rules: Rules | None = None,
) -> dict[str, Any]:
    """Receive returned lines (``item``, ``qty``, ``condition``, ``disposition``,
    ``bin`` for restock, ``lot``); answers the RMA, or the receipts without one."""
    if not isinstance(lines, list) or not 1 <= len(lines) <= 200:
        raise InvalidRequest("lines: 1 to 200 returned lines")
    with write_transaction(conn):
        if rma is not None:
            rma_row(conn, rma)  # NotFound for an unknown RMA
        catalog = catalog_for(conn)
        dock = (
            _place(catalog, location, RECEIVE_KINDS, "location")
            if location
            else _first(conn, catalog, "returns")
        )
        wire: list[dict[str, Any]] = []
        plans: list[tuple[int, str, str, LocationRef | None]] = []  # (index, grade, disp, to)
        for n, line in enumerate(lines, 1):
            if not isinstance(line, dict):
                raise InvalidRequest(f"lines[{n}]: an object")
            grade, disposition = line.get("condition"), line.get("disposition")
            if grade not in RETURN_CONDITIONS:
                raise InvalidRequest(f"lines[{n}].condition: one of {', '.join(RETURN_CONDITIONS)}")
            if disposition not in RETURN_DISPOSITIONS:
                raise InvalidRequest(
                    f"lines[{n}].disposition: one of {', '.join(RETURN_DISPOSITIONS)}"
                )
            qty, item = line.get("qty"), line.get("item")
            if not isinstance(qty, int) or isinstance(qty, bool) or not 1 <= qty <= 100_000:
                raise InvalidRequest(f"lines[{n}].qty: a whole number from 1 to 100,000")
            if not isinstance(item, str) or not item.strip():
                raise InvalidRequest(f"lines[{n}].item: required, the SKU or a barcode of the item")
            found = catalog.item(item)
            if found is None:
                raise InvalidRequest(f"lines[{n}].item: no item has SKU or barcode {item}")
            sku = found[0].sku
            keys = {k: line[k] for k in ("lot", "serial") if isinstance(line.get(k), str)}
            base = {"item": sku, "qty": qty * found[1], **keys}
            wire.append({"kind": "return", **base, "to": dock.code, "condition": grade,
                         "ref": {"rma": rma}})  # fmt: skip
            target: LocationRef | None = None
            if disposition == "restock":
                target = _place(catalog, line.get("bin"), RESTOCK_KINDS, f"lines[{n}].bin")
                wire.append({"kind": "putaway", **base, "from": dock.code, "to": target.code})
            elif disposition == "quarantine" and dock.kind != "quarantine":
                target = (
                    _place(catalog, line["bin"], ("quarantine",), f"lines[{n}].bin")
                    if line.get("bin")
                    else _first(conn, catalog, "quarantine")
                )
                wire.append({"kind": "transfer", **base, "from": dock.code, "to": target.code})
            elif disposition == "scrap":
                why = f"returned {grade}" + (f" on {rma}" if rma else "")
                wire.append({"kind": "scrap", **base, "from": dock.code, "reason": why})
            else:
                target = dock
            plans.append((len(wire), str(grade), str(disposition), target))
        results = post_local_within(conn, wire, user=by_user, rules=rules)
        posted_or_refuse(results)
        now = iso_now()
        receipts = []
        start = 0
        for end, grade, disposition, target in plans:
            receipt, last = results[start], results[end - 1]
            conn.execute(
                "INSERT INTO return_dispositions(receipt_seq, condition, disposition,"
                " location_id, movement_seq, by_user, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (receipt["server_seq"], grade, disposition, target.id if target else None,
                 last["server_seq"], by_user, now),
            )  # fmt: skip
            receipts.append(
                {"item": wire[start]["item"], "qty": wire[start]["qty"], "condition": grade,
                 "disposition": disposition, "location": target.code if target else None,
                 "outcome": receipt["outcome"], "conflicts": receipt["conflicts"],
                 "message": receipt["message"]}
            )  # fmt: skip
            start = end
        answer: dict[str, Any] = {"receipts": receipts}
        if rma is not None:
            answer["rma"] = get_rma(conn, rma)
        return answer
