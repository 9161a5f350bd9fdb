"""What goes on a sheet of labels: bins, items and lots, straight from the catalog.

Each function returns :class:`Label`\\ s in print order; ``server.label_render``
draws them.  A label's ``content`` is exactly what its barcode must hold:

- **bin**: Code 128 of the location's barcode (its code when it has none),
  in walk order;
- **item**: EAN-13 of the item's unit barcode (pack quantity 1; a 12-digit
  UPC-A is printed in its EAN-13 form), by SKU;
- **lot**: GS1 DataMatrix, square, with (01) GTIN-14, (17) expiry and (10)
  lot, in GS1's bracketed form; lots on hold or recalled are not printed.

Items and lots that cannot be labelled (no EAN-13, a lot code GS1 does not
allow) are counted in ``skipped``, never printed wrong.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from .catalog import is_valid_gtin
from .errors import InvalidRequest

__all__ = ["Label", "LabelSheet", "LABEL_KINDS", "MAX_LABELS", "label_sheet"]

LABEL_KINDS = ("bin", "item", "lot")
MAX_LABELS = 1000
# GS1 AI (10): up to 20 characters of GS1's character set 82 (no brackets: they
# delimit AIs in the bracketed form the writer reads)
_GS1_LOT = re.compile(r"[!\"%&'*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")


@dataclass(frozen=True)
class Label:
    kind: str
    content: str  # what the barcode holds
    title: str  # the big line people read
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabelSheet:
    kind: str
    labels: list[Label]
    skipped: int = 0


def label_sheet(
    conn: sqlite3.Connection,
    kind: str,
    *,
    zone: str | None = None,
    sku: str | None = None,
    limit: int = 240,
) -> LabelSheet:
    """The labels of ``kind``: bins of ``zone`` (all zones when None); items and
    lots whose SKU starts with ``sku``; at most ``limit``."""
    if kind not in LABEL_KINDS:
        raise InvalidRequest(f"kind: {kind!r} is not one of {', '.join(LABEL_KINDS)}")
    if not 1 <= limit <= MAX_LABELS:
        raise InvalidRequest(f"limit: expected 1 to {MAX_LABELS}")
    if kind == "bin":
        return _bins(conn, zone, limit)
    return _items(conn, sku or "", limit) if kind == "item" else _lots(conn, sku or "", limit)


def _bins(conn: sqlite3.Connection, zone: str | None, limit: int) -> LabelSheet:
    rows = conn.execute(
        "SELECT code, coalesce(barcode, code), zone, kind FROM locations"
        " WHERE active = 1 AND kind != 'virtual' AND (:zone IS NULL OR zone = :zone)"
        " ORDER BY pick_seq IS NULL, pick_seq, code LIMIT :limit",
        {"zone": zone, "limit": limit},
    ).fetchall()
    if zone is not None and not rows:
        raise InvalidRequest(f"zone: no locations in zone {zone!r}")
    labels = [
        Label("bin", content, code, tuple(x for x in (f"zone {zone_}" if zone_ else "", kind) if x))
        for code, content, zone_, kind in rows
    ]
    return LabelSheet("bin", labels)


def _unit_ean13(codes: str | None) -> str | None:
    """The first EAN-13 or UPC-A (as its EAN-13) of ``codes``: ASCII digits with a
    right check digit, as the writer needs (``str.isdigit`` also takes "１" and "١")."""
    for code in (codes or "").split(","):
        if len(code) in (12, 13) and is_valid_gtin(code):
            return code.rjust(13, "0")
    return None


# an item's unit barcodes, longest first (an EAN-13 before a UPC-A)
_UNIT_CODES = """(SELECT group_concat(b.code) FROM (SELECT code FROM item_barcodes
  WHERE item_id = i.id AND pack_qty = 1 ORDER BY length(code) DESC, code) b) AS codes"""
_ITEMS = f"""SELECT i.sku, i.name, {_UNIT_CODES} FROM items i
WHERE i.active = 1 AND i.sku LIKE :prefix ESCAPE '\\' ORDER BY i.sku"""
_LOTS = f"""SELECT l.code, l.expiry, i.sku, i.name, {_UNIT_CODES}
FROM lots l JOIN items i ON i.id = l.item_id
WHERE l.status = 'ok' AND i.active = 1 AND i.sku LIKE :prefix ESCAPE '\\'
ORDER BY i.sku, l.code"""


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _items(conn: sqlite3.Connection, prefix: str, limit: int) -> LabelSheet:
    labels: list[Label] = []
    skipped = 0
    for row in conn.execute(_ITEMS, {"prefix": _like_prefix(prefix)}):
        ean = _unit_ean13(row["codes"])
        if ean is None:
            skipped += 1
        elif len(labels) < limit:
            labels.append(Label("item", ean, row["sku"], (row["name"],)))
    return LabelSheet("item", labels, skipped)


def _lots(conn: sqlite3.Connection, prefix: str, limit: int) -> LabelSheet:
    rows = conn.execute(_LOTS, {"prefix": _like_prefix(prefix)}).fetchall()
    labels: list[Label] = []
    skipped = 0
    for row in rows:
        ean = _unit_ean13(row["codes"])
        if ean is None or not _GS1_LOT.fullmatch(row["code"]):
            skipped += 1
            continue
        if len(labels) >= limit:
            break
        content = f"(01)0{ean}"
        lines = [row["name"], f"lot {row['code']}"]
        if row["expiry"]:
            content += f"(17){row['expiry'][2:4]}{row['expiry'][5:7]}{row['expiry'][8:10]}"
            lines.append(f"use by {row['expiry']}")
        content += f"(10){row['code']}"
        labels.append(Label("lot", content, row["sku"], tuple(lines)))
    return LabelSheet("lot", labels, skipped)
