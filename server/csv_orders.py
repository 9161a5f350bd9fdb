"""CSV import of orders: one row per order line, grouped by channel and external_ref.

The same conventions as the catalog files (``csv_io``): UTF-8, a header row,
columns in any order, every row checked before anything is written, problems
named by row and column, and one bad row imports nothing.  The rows of one
order may repeat its order columns or leave them empty after its first row;
they may not disagree.  All orders are created and allocated in one write
transaction, in file order.  Importing a file again is harmless: an order
whose channel and reference exist with the same content is skipped (as a
retried API call answers the same order), one with other content is refused.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from server.csv_reading import MAX_ERRORS, Row, bounded_text, choice, read_rows, whole
from sync.catalog import catalog_for
from sync.db import read_transaction, write_transaction
from sync.errors import InvalidRequest, ShelfsyncError
from sync.kinds import PAYMENT_STATUSES
from sync.order_create import create_many
from sync.orders import OrderIn, check_order

__all__ = ["ORDER_COLUMNS", "ORDER_REQUIRED", "ImportSummary", "import_orders"]

ORDER_FIELDS = (
    "channel", "external_ref", "customer", "ship_name", "ship_line1", "ship_line2", "ship_city",
    "ship_postcode", "ship_country", "ship_phone", "priority", "requested_date", "payment_status",
)  # fmt: skip
ORDER_COLUMNS = (*ORDER_FIELDS, "item", "qty")
ORDER_REQUIRED = ("channel", "external_ref", "customer", "ship_name", "ship_line1", "ship_city",
                  "ship_postcode", "ship_country", "item", "qty")  # fmt: skip
_FIRST_ROW = tuple(c for c in ORDER_REQUIRED if c not in ("channel", "external_ref", "item", "qty"))


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    rows: int = 0


def _priority(text: str) -> int | None:
    value = whole(text)
    if value is not None and not 1 <= value <= 9:
        raise ValueError(f"1 (most urgent) to 9, not {text!r}")
    return value


def _qty(text: str) -> int | None:
    value = whole(text)
    if value is None:
        raise ValueError("required")
    if not 1 <= value <= 1_000_000:
        raise ValueError(f"1 to 1,000,000, not {text!r}")
    return value


def _date(text: str) -> str | None:
    if not text:
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"a date such as 2026-12-01, not {text!r}") from None
    return text


def _parse_row(row: Row) -> dict[str, Any]:
    return {
        "channel": row.get("channel", bounded_text(32, required=True)),
        "external_ref": row.get("external_ref", bounded_text(64, required=True)),
        "customer": row.get("customer", bounded_text(200)),
        **{c: row.get(c, bounded_text(200)) for c in ORDER_FIELDS if c.startswith("ship_")},
        "priority": row.get("priority", _priority),
        "requested_date": row.get("requested_date", _date),
        "payment_status": (
            row.get("payment_status", choice(PAYMENT_STATUSES))
            if row.values["payment_status"]
            else None
        ),
        "item": row.get("item", bounded_text(64, required=True)),
        "qty": row.get("qty", _qty),
    }


def _group(
    rows: list[tuple[int, dict[str, Any]]], known: Any, errors: list[str]
) -> list[tuple[list[int], OrderIn]]:
    """Rows grouped into orders (file order); every problem named by row and column
    (added to the problems the rows had on their own)."""
    groups: dict[tuple[str, str], tuple[list[int], dict[str, Any], list[dict[str, Any]]]] = {}
    for number, row in rows:
        if row["item"] and known(row["item"]) is None:
            errors.append(f"row {number}, column item: no item has SKU or barcode {row['item']}")
        key = (row["channel"], row["external_ref"])
        if key not in groups:
            groups[key] = ([number], dict(row), [])
            errors += [f"row {number}, column {c}: required on an order's first row"
                       for c in _FIRST_ROW if not row[c]]  # fmt: skip
        else:
            numbers, first, _ = groups[key]
            numbers.append(number)
            for column in ORDER_FIELDS:
                if row[column] is not None and row[column] != first[column]:
                    errors.append(
                        f"row {number}, column {column}: {row[column]!r} differs from"
                        f" {first[column]!r} on row {numbers[0]} of {key[0]} order {key[1]}"
                    )
        groups[key][2].append({"item": row["item"], "qty": row["qty"]})
    orders: list[tuple[list[int], OrderIn]] = []
    for (channel, ref), (numbers, first, lines) in groups.items():
        if errors:
            break  # the orders are not made; the problems so far are the answer
        order = msgspec.convert(
            {
                "channel": channel, "external_ref": ref, "customer": first["customer"] or "",
                "ship_to": {
                    "name": first["ship_name"] or "", "line1": first["ship_line1"] or "",
                    "line2": first["ship_line2"], "city": first["ship_city"] or "",
                    "postcode": first["ship_postcode"] or "",
                    "country": first["ship_country"] or "", "phone": first["ship_phone"],
                },
                "lines": lines, "priority": first["priority"] or 5,
                "requested_date": first["requested_date"],
                "payment_status": first["payment_status"] or "pending",
            },
            OrderIn,
        )  # fmt: skip
        errors += [f"row {numbers[0]}, {_column(p)}" for p in check_order(order)
                   if "ship_to." not in p and not p.startswith("customer")]  # fmt: skip
        orders.append((numbers, order))
    if errors:
        errors.sort(key=lambda e: int(e.split(",")[0].removeprefix("row ")))
        raise InvalidRequest(f"{len(errors)} problem(s) in the orders file; nothing imported",
                             errors[:MAX_ERRORS])  # fmt: skip
    return orders


def _column(problem: str) -> str:
    """``channel: …`` → ``column channel: …`` (the other checks were made per row)."""
    name, _, message = problem.partition(": ")
    return f"column {name.split('[')[0]}: {message}"


def import_orders(conn: sqlite3.Connection, path: str | Path, *, by_user: str) -> ImportSummary:
    """Create and allocate the orders in a CSV file, all or none."""
    rows, errors = [], []
    for number, values in read_rows(path, ORDER_COLUMNS, ORDER_REQUIRED):
        row = Row(values)
        parsed = _parse_row(row)
        errors += [f"row {number}, {problem}" for problem in row.problems]
        if parsed["channel"] and parsed["external_ref"]:
            rows.append((number, parsed))  # checked with its order, even with problems
    if not rows and not errors:
        raise InvalidRequest("the orders file has a header but no rows; nothing imported")
    with read_transaction(conn):
        catalog = catalog_for(conn)
    orders = _group(rows, catalog.item, errors)
    summary = ImportSummary(rows=len(rows))
    with write_transaction(conn):  # set-based, as a batch of the API
        results = create_many(conn, [(order, by_user) for _, order in orders])
        for (numbers, _), result in zip(orders, results, strict=True):
            if isinstance(result, ShelfsyncError):
                where = (
                    f"row {numbers[0]}" if len(numbers) == 1 else f"rows {numbers[0]}–{numbers[-1]}"
                )
                raise InvalidRequest(
                    f"{where}: {result.message}; nothing imported", result.errors
                ) from None
            made, created = result
            (summary.created if created else summary.already).append(made["number"])
            if created:
                summary.statuses[made["status"]] = summary.statuses.get(made["status"], 0) + 1
    return summary
