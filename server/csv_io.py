"""CSV import of the catalog and export of stock.

Imports read the whole file and check every row before anything is written;
then they write in one transaction, so a file with a bad row imports nothing.
Problems name the row (the header is row 1, as in a spreadsheet) and the
column: ``row 7, column reorder_qty: expected a whole number >= 0, not 'ten'``.

Files are UTF-8 (a byte-order mark, as Excel writes, is fine), comma
separated, with a header row.  Columns may come in any order; optional ones
may be left out.  A row that updates an existing item or location changes
only the columns the file has: one left out keeps the stored value, an empty
cell clears it (or sets the default: unit ``ea``, tracking ``none``).  Barcodes
are only ever added.  The ledger's virtual locations (``SUPPLIER`` …) and a
change of tracking that would strand stock refuse the whole file.
"""

from __future__ import annotations

import csv
import math
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from server.csv_cells import spreadsheet_safe
from server.csv_reading import MAX_ERRORS, Row, bounded_text, choice, read_rows, whole
from sync.catalog import add_item, add_location, add_warehouse, barcode_problem
from sync.db import read_transaction, write_transaction
from sync.errors import InvalidRequest
from sync.ids import parse_number
from sync.kinds import LOCATION_KINDS, TRACKING_MODES

__all__ = [
    "ITEM_COLUMNS",
    "LOCATION_COLUMNS",
    "STOCK_COLUMNS",
    "import_items",
    "import_locations",
    "export_stock",
    "parse_barcodes",
]

ITEM_COLUMNS = (
    "sku", "name", "unit", "tracking", "expiry_tracked", "reorder_point",
    "reorder_qty", "item_class", "unit_cost", "barcodes",
)  # fmt: skip
LOCATION_COLUMNS = ("code", "barcode", "kind", "warehouse", "zone", "pick_seq")
STOCK_COLUMNS = ("item", "location", "lot", "on_hand")
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"0", "false", "no", "n", ""}


def _check_all(
    rows: Iterator[tuple[int, dict[str, str]]],
    parse: Callable[[Row], dict[str, Any]],
    what: str,
) -> list[tuple[int, dict[str, Any]]]:
    parsed: list[tuple[int, dict[str, Any]]] = []
    errors: list[str] = []
    for number, values in rows:
        row = Row(values)
        result = parse(row)
        errors += [f"row {number}, {problem}" for problem in row.problems]
        if not row.problems:
            parsed.append((number, result))
        if len(errors) >= MAX_ERRORS:
            errors.append(f"(stopped at row {number}: fix these first)")
            break
    if errors:
        found = f"{MAX_ERRORS}+" if len(errors) > MAX_ERRORS else str(len(errors))
        raise InvalidRequest(f"{found} problem(s) in the {what} file; nothing imported", errors)
    if not parsed:
        raise InvalidRequest(f"the {what} file has a header but no rows; nothing imported")
    return parsed


def _yes_no(text: str) -> bool:
    if text.lower() not in _TRUE | _FALSE:
        raise ValueError(f"expected yes or no (1 or 0), not {text!r}")
    return text.lower() in _TRUE


def _cost(text: str) -> float | None:
    if not text:
        return None
    try:
        cost = float(text)
    except ValueError:
        raise ValueError(f"expected a number, not {text!r}") from None
    if cost < 0 or not math.isfinite(cost):
        raise ValueError(f"must be a number >= 0, not {text!r}")
    return cost


def parse_barcodes(text: str) -> list[tuple[str, int]]:
    """``"5901234123457;15901234123454x12"`` → ``[(code, 1), (code, 12)]``.

    Each code may end in ``xPACK``, the number of units the barcode stands
    for (a case).  Numeric codes of GTIN length must have a right check digit.
    Numbers are ASCII digits: "x１２", "x²" or a code of "١"s (which
    ``str.isdigit`` takes) are refused, not read as 12 or stored.
    """
    found: list[tuple[str, int]] = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        code, qty = part, 1
        head, sep, pack = part.rpartition("x")
        pack = pack.strip()
        if sep and pack.isnumeric():  # meant as a pack quantity, in whatever digits
            number = parse_number(pack)
            if number is None:
                why = (
                    "is too large (at most 18 digits)"
                    if pack.isascii()
                    else "must be written with digits 0-9"
                )
                raise ValueError(f"{part!r}: the pack quantity after 'x' {why}")
            code, qty = head.strip(), number
        elif sep and head.strip().isnumeric():
            raise ValueError(f"{part!r}: the pack quantity after 'x' must be a whole number")
        if not code:
            raise ValueError(f"{part!r}: expected CODE or CODExPACK, e.g. 15901234123454x12")
        if qty < 1:
            raise ValueError(f"{part!r}: the pack quantity must be at least 1")
        problem = barcode_problem(code)
        if problem is not None:
            raise ValueError(f"{code}: {problem}")
        if len(code) > 64:
            raise ValueError(f"{code[:20]}…: at most 64 characters")
        if any(code == seen for seen, _ in found):
            raise ValueError(f"{code}: listed twice")
        found.append((code, qty))
    return found


def _parse_item(row: Row) -> dict[str, Any]:
    return {
        "sku": row.get("sku", bounded_text(64, required=True)),
        "name": row.get("name", bounded_text(200, required=True)),
        "unit": row.get("unit", bounded_text(16)) or "ea",
        "tracking": row.get("tracking", choice(TRACKING_MODES, "none")),
        "expiry_tracked": row.get("expiry_tracked", _yes_no),
        "reorder_point": row.get("reorder_point", whole),
        "reorder_qty": row.get("reorder_qty", whole),
        "item_class": (row.get("item_class", bounded_text(16)) or "").upper() or None,
        "unit_cost": row.get("unit_cost", _cost),
        "barcodes": row.get("barcodes", parse_barcodes),
    }


def _parse_location(row: Row) -> dict[str, Any]:
    return {
        "code": row.get("code", bounded_text(64, required=True)),
        "kind": row.get("kind", choice([k for k in LOCATION_KINDS if k != "virtual"])),
        "barcode": row.get("barcode", bounded_text(64)),
        "warehouse": row.get("warehouse", bounded_text(64)),
        "zone": row.get("zone", bounded_text(16)),
        "pick_seq": row.get("pick_seq", whole),
    }


def _unique(rows: list[tuple[int, dict[str, Any]]], key: str, what: str) -> None:
    seen: dict[Any, int] = {}
    errors = []
    for number, row in rows:
        values = [code for code, _ in row[key]] if key == "barcodes" else [row[key]]
        for value in values:
            if value is None:
                continue
            if value in seen:
                errors.append(f"row {number}, column {key}: {value} is also on row {seen[value]}")
            seen.setdefault(value, number)
    if errors:
        raise InvalidRequest(
            f"{len(errors)} problem(s) in the {what} file; nothing imported", errors
        )


def _write_rows(
    conn: sqlite3.Connection, rows: list[tuple[int, dict[str, Any]]], write: Callable[..., Any]
) -> None:
    with write_transaction(conn):
        for number, row in rows:
            try:
                write(conn, **row)
            except InvalidRequest as exc:
                raise InvalidRequest(
                    f"row {number}: {exc.message}; nothing imported", exc.errors
                ) from None


def _only_columns_in_file(
    path: str | Path, rows: list[tuple[int, dict[str, Any]]]
) -> list[tuple[int, dict[str, Any]]]:
    """Each row without the fields of columns the file leaves out, so that updating
    a row leaves them as stored (the catalog's default); an empty cell still clears."""
    with open(path, newline="", encoding="utf-8-sig") as handle:  # read_rows checked it
        header = {h.strip().lower() for h in next(csv.reader(handle), [])}
    return [(n, {k: v for k, v in row.items() if k in header}) for n, row in rows]


def import_items(conn: sqlite3.Connection, path: str | Path) -> int:
    """Create or update the items in a CSV file; returns how many rows."""
    rows = _check_all(read_rows(path, ITEM_COLUMNS, ("sku", "name")), _parse_item, "items")
    _unique(rows, "sku", "items")
    _unique(rows, "barcodes", "items")
    _write_rows(conn, _only_columns_in_file(path, rows), add_item)
    return len(rows)


def _add_location_row(conn: sqlite3.Connection, **row: Any) -> None:
    warehouse = row.get("warehouse")
    if warehouse is not None:
        known = conn.execute("SELECT 1 FROM warehouses WHERE code = ?", (warehouse,)).fetchone()
        if known is None:
            add_warehouse(conn, warehouse, warehouse)
    add_location(conn, **row)


def import_locations(conn: sqlite3.Connection, path: str | Path) -> int:
    """Create or update the locations in a CSV file (and warehouses they name)."""
    rows = _check_all(
        read_rows(path, LOCATION_COLUMNS, ("code", "kind")), _parse_location, "locations"
    )
    _unique(rows, "code", "locations")
    _unique(rows, "barcode", "locations")
    _write_rows(conn, _only_columns_in_file(path, rows), _add_location_row)
    return len(rows)


@contextmanager
def _output(path: str | Path) -> Iterator[IO[str]]:
    """Standard output for ``-``; otherwise a file that appears only when complete."""
    if str(path) == "-":
        yield sys.stdout
        return
    dest = Path(path)
    tmp = dest.with_name(f".{dest.name}.partial")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            yield handle
        os.replace(tmp, dest)
    except OSError as exc:
        raise InvalidRequest(f"{dest}: {exc.strerror}") from None
    finally:
        tmp.unlink(missing_ok=True)


def export_stock(conn: sqlite3.Connection, path: str | Path) -> int:
    """Write on-hand stock at real locations (item SKU, location code, lot, on hand)."""
    with read_transaction(conn):
        rows = conn.execute(
            "SELECT i.sku, l.code, s.lot, s.on_hand FROM stock s"
            " JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id"
            " WHERE l.kind != 'virtual' AND s.on_hand != 0"
            " ORDER BY l.pick_seq IS NULL, l.pick_seq, l.code, i.sku, s.lot"
        ).fetchall()
    with _output(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(STOCK_COLUMNS)
        writer.writerows(tuple(spreadsheet_safe(v) for v in row) for row in rows)
    return len(rows)
