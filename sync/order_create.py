"""Creating orders, set-based: a batch of orders in a few statements.

``create_many`` takes the orders of one write transaction (the API's group
commit, a bulk request, a CSV file, one phone order) and makes them with one
query per concern rather than one per line:

1. one look-up of every (channel, external_ref) of the batch — idempotency;
   a reference used twice in the batch counts the first use as existing;
2. items resolved from the in-memory catalog (no query);
3. one query for the free stock of every item of the batch
   (``allocation.available_for``), then allocation in memory, order after
   order in arrival order, sharing what earlier orders of the batch took —
   exactly as serial as one transaction per order, so nothing is promised
   twice (the caller holds SQLite's single writer);
4. ``executemany`` for the orders, lines, reservations and history.

Each order is all-or-nothing: a refused one (unknown item, reference used for
other content) is returned as its error before anything of it is written, and
leaves the others alone.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

import msgspec

from .allocation import available_for, plan_reservations, reserve
from .catalog import Catalog, ItemRef, catalog_for
from .clock import iso_now
from .errors import Conflict, InvalidRequest, ShelfsyncError
from .meta import reserve_server_seqs
from .orders import OrderIn, get_order, order_digest

__all__ = ["Made", "create_many"]

Made = tuple[dict[str, Any], bool]  # (the order, True when made now)
_PAIRS_PER_QUERY = 400  # (channel, ref) pairs per look-up: 800 parameters

_encoder = msgspec.json.Encoder()


def _existing(conn: sqlite3.Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """(number, digest) of the orders already made, by (channel, external_ref)."""
    found: dict[tuple[str, str], Any] = {}
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), _PAIRS_PER_QUERY):
        part = unique[start : start + _PAIRS_PER_QUERY]
        values = ", ".join("(?, ?)" for _ in part)
        for channel, ref, number, digest in conn.execute(
            # a join, not "(channel, external_ref) IN (VALUES ...)": SQLite scans
            # the table for that one, and searches the unique index for this
            "SELECT o.channel, o.external_ref, o.number, o.digest"
            f" FROM (VALUES {values}) v JOIN orders o"
            " ON o.channel = v.column1 AND o.external_ref = v.column2",
            [v for pair in part for v in pair],
        ):
            found[(channel, ref)] = (number, digest)
    return found


def _resolve(catalog: Catalog, order: OrderIn) -> list[tuple[ItemRef, int]]:
    """(item, quantity in units) per line; InvalidRequest naming every unknown item."""
    items = []
    unknown = []
    for n, line in enumerate(order.lines, 1):
        hit = catalog.item(line.item)
        if hit is None:
            unknown.append(f"lines[{n}].item: no item has SKU or barcode {line.item}")
        else:
            items.append((hit[0], line.qty * hit[1]))
    if unknown:
        raise InvalidRequest(f"the order is not valid: {unknown[0]}", unknown)
    return items


def create_many(
    conn: sqlite3.Connection,
    orders: list[tuple[OrderIn, str]],
    *,
    catalog: Catalog | None = None,
) -> list[Made | ShelfsyncError]:
    """Create and allocate each (order, by user) inside the caller's write transaction.

    Per order: (the order, True) when made now, (the order, False) when its
    channel and reference already made identical content, Conflict when they
    made other content, InvalidRequest for an unknown item.
    """
    catalog = catalog or catalog_for(conn)
    keys = [(o.channel, o.external_ref or f"auto-{uuid.uuid4()}") for o, _ in orders]
    digests = [order_digest(o) for o, _ in orders]
    before = _existing(conn, keys)
    results: dict[int, Made | ShelfsyncError] = {}
    accepted: list[tuple[int, list[tuple[ItemRef, int]]]] = []
    in_batch: dict[tuple[str, str], int] = {}  # key -> index of the order making it now
    repeats: dict[int, int] = {}  # index -> index of the same order earlier in the batch
    for n, ((order, _), key, digest) in enumerate(zip(orders, keys, digests, strict=True)):
        found, first = before.get(key), in_batch.get(key)
        if found is None and first is not None:
            found = (None, digests[first])
        if found is not None:
            if found[1] != digest:
                where = f"as {found[0]}" if found[0] else "earlier in this batch"
                results[n] = Conflict(
                    f"{order.channel} order {key[1]} already exists {where} with other content"
                )
            elif found[0] is not None:
                results[n] = (get_order(conn, found[0]), False)
            else:
                repeats[n] = in_batch[key]
            continue
        try:
            accepted.append((n, _resolve(catalog, order)))
        except InvalidRequest as exc:
            results[n] = exc
            continue
        in_batch[key] = n
    if accepted:
        for n, answer in _write(conn, orders, keys, digests, accepted, catalog).items():
            results[n] = (answer, True)
    for n, first in repeats.items():
        made = results[first]
        assert isinstance(made, tuple)  # the first of them was made (or it would not repeat)
        results[n] = (made[0], False)
    return [results[n] for n in range(len(orders))]


def _write(
    conn: sqlite3.Connection,
    orders: list[tuple[OrderIn, str]],
    keys: list[tuple[str, str]],
    digests: list[str],
    accepted: list[tuple[int, list[tuple[ItemRef, int]]]],
    catalog: Catalog,
) -> dict[int, dict[str, Any]]:
    """Insert and allocate the accepted orders; their answers by batch index."""
    now = iso_now()
    first_order, first_line = conn.execute(
        "SELECT (SELECT coalesce(max(id), 0) + 1 FROM orders),"
        " (SELECT coalesce(max(id), 0) + 1 FROM order_lines)"
    ).fetchone()
    first_seq = reserve_server_seqs(conn, len(accepted))
    plans = []  # (batch index, order id, [(line id, item, qty)])
    line_id = first_line
    for k, (n, items) in enumerate(accepted):
        lines = []
        for item, qty in items:
            lines.append((line_id, item, qty))
            line_id += 1
        plans.append((n, first_order + k, lines))
    wanted = sorted({item.id for _, _, lines in plans for _, item, _ in lines})
    candidates = available_for(conn, wanted, now[:10])
    taken: dict[tuple[int, int, str], int] = {}
    order_rows, line_rows, event_rows = [], [], []
    all_made: list[tuple[int, int, str, int]] = []
    item_of_line: dict[int, int] = {}
    answers: dict[int, dict[str, Any]] = {}
    for k, (n, order_id, lines) in enumerate(plans):
        order, by_user = orders[n]
        made = plan_reservations(candidates, [(i, item.id, q) for i, item, q in lines], taken)
        all_made += made
        reserved: dict[int, list[dict[str, Any]]] = {}
        for line, location_id, lot, qty in made:
            code = catalog.locations_by_id[location_id].code
            reserved.setdefault(line, []).append({"location": code, "lot": lot or None, "qty": qty})
        complete = all(sum(r["qty"] for r in reserved.get(i, ())) >= q for i, _, q in lines)
        status = "allocated" if complete else "backordered"
        number = f"SO-{order_id}"
        ship_to = _encoder.encode(order.ship_to).decode()
        order_rows.append((
            order_id, number, order.channel, keys[n][1], order.customer, ship_to,
            order.priority, order.requested_date, order.payment_status, status,
            digests[n], now, by_user, first_seq + k,
        ))  # fmt: skip
        note = f"from {order.channel}"
        event_rows += [(order_id, None, "new", by_user, now, note),
                       (order_id, "new", status, by_user, now, None)]  # fmt: skip
        answer_lines = []
        for line_no, (i, item, qty) in enumerate(lines, 1):
            line_rows.append((i, order_id, line_no, item.id, qty))
            item_of_line[i] = item.id
            mine = reserved.get(i, [])
            answer_lines.append({"line": f"{number}/{line_no}", "item": item.sku, "qty": qty,
                                 "reserved": sum(r["qty"] for r in mine),
                                 "reservations": mine})  # fmt: skip
        answers[n] = {
            "number": number, "channel": order.channel, "external_ref": keys[n][1],
            "customer": order.customer, "ship_to": msgspec.json.decode(ship_to),
            "priority": order.priority, "requested_date": order.requested_date,
            "payment_status": order.payment_status, "status": status, "lines": answer_lines,
            "history": [
                {"from": None, "to": "new", "by": by_user, "at": now, "note": note},
                {"from": "new", "to": status, "by": by_user, "at": now, "note": None},
            ],
        }  # fmt: skip
    conn.executemany(
        "INSERT INTO orders(id, number, channel, external_ref, customer, ship_to, priority,"
        " requested_date, payment_status, status, digest, created_at, created_by, server_seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        order_rows,
    )
    conn.executemany(
        "INSERT INTO order_lines(id, order_id, line_no, item_id, qty) VALUES (?, ?, ?, ?, ?)",
        line_rows,
    )
    reserve(conn, all_made, item_of_line, now)
    conn.executemany(
        "INSERT INTO order_events(order_id, from_status, to_status, by_user, at, note)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        event_rows,
    )
    return answers
