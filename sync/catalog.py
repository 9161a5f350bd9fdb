"""The catalog: warehouses, locations, items with their barcodes, lots.

Writers here run inside the caller's write transaction and stamp each row
with a fresh ``server_seq`` so devices pull the change.  ``Catalog`` is the
read side used on the push hot path: it resolves SKUs and barcodes, location
codes and barcodes, from memory, and reloads when ``catalog_version`` moves.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import Enum
from typing import Final

from .clock import iso_now
from .errors import InvalidRequest
from .kinds import LOCATION_KINDS, LOT_STATUSES, TRACKING_MODES
from .meta import bump_catalog_version, catalog_version, epoch, next_server_seq

__all__ = [
    "KEEP",
    "Keep",
    "ItemRef",
    "LocationRef",
    "Catalog",
    "catalog_for",
    "add_warehouse",
    "add_location",
    "add_item",
    "add_barcode",
    "barcode_problem",
    "add_location_code",
    "ensure_lot",
    "set_lot_status",
    "is_valid_gtin",
]


class Keep(Enum):
    """The type of ``KEEP``: a field left out of an update."""

    KEEP = "keep"


# A field's default: "as stored".  An update from a file without that column
# must not wipe the value (a bin's barcode, an item's unit cost).
KEEP: Final = Keep.KEEP


@dataclass(frozen=True, slots=True)
class ItemRef:
    id: int
    sku: str
    tracking: str
    item_class: str | None
    unit_cost: float | None


@dataclass(frozen=True, slots=True)
class LocationRef:
    id: int
    code: str
    kind: str
    warehouse_id: int | None

    @property
    def virtual(self) -> bool:
        return self.kind == "virtual"


def is_valid_gtin(code: str) -> bool:
    """GS1 mod-10 check digit of an EAN-8/UPC-A/EAN-13/GTIN-14.

    Only ASCII digits make a GTIN: ``str.isdigit`` also takes "²" (which
    ``int`` refuses) and "１" or "١" (which it reads as 1), none of which a
    barcode encodes.
    """
    if not (code.isascii() and code.isdigit()) or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def barcode_problem(code: str) -> str | None:
    """Why ``code`` cannot be a barcode of an item, or None: the one rule for an
    import, a new item and a supervisor mapping a scanned code.  A code of
    digits in another script, or a GTIN (8, 12, 13 or 14 digits) whose check
    digit is wrong, is no barcode a scanner reads: it was typed or misread."""
    if code.isnumeric() and not code.isascii():
        return "a barcode's digits must be 0-9"
    if code.isdigit() and len(code) in (8, 12, 13, 14) and not is_valid_gtin(code):
        return "the GTIN check digit is wrong"
    return None


def _text(value: object, name: str, *, required: bool = True, limit: int = 200) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidRequest(f"{name}: required")
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{name}: expected text")
    if len(value) > limit:
        raise InvalidRequest(f"{name}: at most {limit} characters")
    return value.strip()


def add_warehouse(conn: sqlite3.Connection, code: str, name: str) -> int:
    code = _text(code, "code") or ""
    conn.execute(
        "INSERT INTO warehouses(code, name) VALUES (?, ?)"
        " ON CONFLICT(code) DO UPDATE SET name = excluded.name",
        (code, _text(name, "name")),
    )
    return int(conn.execute("SELECT id FROM warehouses WHERE code = ?", (code,)).fetchone()[0])


def add_location(
    conn: sqlite3.Connection,
    code: str,
    kind: str,
    *,
    warehouse: str | Keep | None = KEEP,
    barcode: str | Keep | None = KEEP,
    zone: str | Keep | None = KEEP,
    pick_seq: int | Keep | None = KEEP,
) -> int:
    """Create or update a real location by code.

    A field left as ``KEEP`` is empty on a new location and unchanged on an
    existing one; ``None`` clears it.  The ledger's virtual locations are
    refused: turning ``SUPPLIER`` into a bin would put its negative balance
    on the floor.
    """
    code = _text(code, "code", limit=64) or ""
    if kind not in LOCATION_KINDS or kind == "virtual":
        allowed = ", ".join(k for k in LOCATION_KINDS if k != "virtual")
        raise InvalidRequest(f"kind: {kind!r} is not one of {allowed}")
    stored = conn.execute("SELECT kind FROM locations WHERE code = ?", (code,)).fetchone()
    if stored is not None and stored[0] == "virtual":
        raise InvalidRequest(
            f"code: {code} is one of the ledger's virtual locations, where goods enter and"
            " leave; it cannot be imported or changed"
        )
    fields: dict[str, object] = {"kind": kind}
    if warehouse is not KEEP:
        fields["warehouse_id"] = None if warehouse is None else _warehouse_id(conn, warehouse)
    if pick_seq is not KEEP:
        if pick_seq is not None and (not isinstance(pick_seq, int) or pick_seq < 0):
            raise InvalidRequest("pick_seq: expected a whole number >= 0")
        fields["pick_seq"] = pick_seq
    if barcode is not KEEP:
        fields["barcode"] = _text(barcode, "barcode", required=False, limit=64)
    if zone is not KEEP:
        fields["zone"] = zone
    try:
        _upsert(conn, "locations", "code", code, fields)
    except sqlite3.IntegrityError:
        raise InvalidRequest(
            f"barcode: {fields.get('barcode')!r} already labels another location"
        ) from None
    bump_catalog_version(conn)
    return int(conn.execute("SELECT id FROM locations WHERE code = ?", (code,)).fetchone()[0])


def _warehouse_id(conn: sqlite3.Connection, warehouse: str) -> int:
    row = conn.execute("SELECT id FROM warehouses WHERE code = ?", (warehouse,)).fetchone()
    if row is None:
        raise InvalidRequest(f"warehouse: no warehouse {warehouse!r}")
    return int(row[0])


def _upsert(
    conn: sqlite3.Connection, table: str, key: str, value: str, fields: dict[str, object]
) -> None:
    """Insert a row by its unique ``key``, or update only ``fields`` of the stored one
    (columns not in ``fields`` keep their value, or take their default when new)."""
    columns = [key, *fields, "server_seq"]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    conn.execute(
        f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        f" ON CONFLICT({key}) DO UPDATE SET {updates}",
        (value, *fields.values(), next_server_seq(conn)),
    )


def add_item(
    conn: sqlite3.Connection,
    sku: str,
    name: str,
    *,
    unit: str | Keep = KEEP,
    tracking: str | Keep = KEEP,
    expiry_tracked: bool | Keep = KEEP,
    reorder_point: int | Keep | None = KEEP,
    reorder_qty: int | Keep | None = KEEP,
    item_class: str | Keep | None = KEEP,
    unit_cost: float | Keep | None = KEEP,
    barcodes: list[tuple[str, int]] | None = None,
) -> int:
    """Create or update an item by SKU, adding the barcodes (code, pack quantity).

    A field left as ``KEEP`` takes its default on a new item (unit ``ea``,
    tracking ``none``, no expiry, the rest empty) and is unchanged on an
    existing one; ``None`` clears it.
    """
    sku = _text(sku, "sku", limit=64) or ""
    fields: dict[str, object] = {"name": _text(name, "name")}
    if unit is not KEEP:
        fields["unit"] = _text(unit, "unit", limit=16)
    if tracking is not KEEP:
        if tracking not in TRACKING_MODES:
            modes = ", ".join(TRACKING_MODES)
            raise InvalidRequest(f"tracking: {tracking!r} is not one of {modes}")
        _check_tracking_change(conn, sku, tracking)
        fields["tracking"] = tracking
    if expiry_tracked is not KEEP:
        fields["expiry_tracked"] = int(bool(expiry_tracked))
    for label, value in (("reorder_point", reorder_point), ("reorder_qty", reorder_qty)):
        if value is not KEEP:
            if value is not None and (not isinstance(value, int) or value < 0):
                raise InvalidRequest(f"{label}: expected a whole number >= 0")
            fields[label] = value
    if item_class is not KEEP:
        fields["item_class"] = item_class
    if unit_cost is not KEEP:
        if unit_cost is not None and unit_cost < 0:
            raise InvalidRequest("unit_cost: must not be negative")
        fields["unit_cost"] = unit_cost
    _upsert(conn, "items", "sku", sku, fields)
    item_id = int(conn.execute("SELECT id FROM items WHERE sku = ?", (sku,)).fetchone()[0])
    for code, pack_qty in barcodes or []:
        add_barcode(conn, item_id, code, pack_qty)
    bump_catalog_version(conn)
    return item_id


def _check_tracking_change(conn: sqlite3.Connection, sku: str, tracking: str) -> None:
    """Refuse a change of tracking that would strand stock: stock is keyed by lot (or
    serial), so units stored without one could never be moved or counted once the
    item is tracked, nor lotted units once it is not."""
    row = conn.execute("SELECT id, tracking FROM items WHERE sku = ?", (sku,)).fetchone()
    if row is None or row[1] == tracking or {row[1], tracking} == {"lot", "serial"}:
        return
    keyed = "s.lot = ''" if tracking != "none" else "s.lot != ''"
    places = conn.execute(
        "SELECT l.code, sum(s.on_hand) FROM stock s JOIN locations l ON l.id = s.location_id"
        f" WHERE s.item_id = ? AND l.kind != 'virtual' AND s.on_hand != 0 AND {keyed}"
        " GROUP BY l.code ORDER BY l.code",
        (row[0],),
    ).fetchall()
    if not places:
        return
    where = ", ".join(f"{code} ({units})" for code, units in places[:3])
    more = f" and {len(places) - 3} more places" if len(places) > 3 else ""
    if tracking == "none":
        held, after, fix = "in lots or serials", "untracked", "adjust them to 0 first"
    else:
        held, after = f"without a {tracking}", f"{tracking}-tracked"
        fix = f"adjust them to 0 first, then back in with their {tracking}s"
    raise InvalidRequest(
        f"tracking: {sku} holds units {held} at {where}{more}, which could never be moved"
        f" or counted once it is {after}; {fix}"
    )


def add_barcode(conn: sqlite3.Connection, item_id: int, code: str, pack_qty: int = 1) -> None:
    code = _text(code, "barcode", limit=64) or ""
    problem = barcode_problem(code)
    if problem is not None:
        raise InvalidRequest(f"barcode {code}: {problem}")
    if not isinstance(pack_qty, int) or pack_qty < 1:
        raise InvalidRequest(f"pack_qty of {code}: expected a whole number >= 1")
    owner = conn.execute("SELECT item_id FROM item_barcodes WHERE code = ?", (code,)).fetchone()
    if owner is not None and owner[0] != item_id:
        raise InvalidRequest(f"barcode: {code} already belongs to another item")
    conn.execute(
        "INSERT INTO item_barcodes(code, item_id, pack_qty) VALUES (?, ?, ?)"
        " ON CONFLICT(code) DO UPDATE SET pack_qty = excluded.pack_qty",
        (code, item_id, pack_qty),
    )
    # the item row carries the change to devices
    conn.execute("UPDATE items SET server_seq = ? WHERE id = ?", (next_server_seq(conn), item_id))
    bump_catalog_version(conn)


def add_location_code(
    conn: sqlite3.Connection, location_id: int, code: str, *, by_user: str
) -> str:
    """Make ``code`` another name of a location, so later scans of it resolve.

    A location without a barcode takes the code as its barcode; one that has a
    barcode gets the code as an alias.  Either way the location changes, so
    devices get it again on their next pull (with its ``aliases``) and
    resolve the code offline.  Returns ``barcode`` or ``alias``.  A code that
    already names another location is refused.
    """
    code = _text(code, "location code", limit=64) or ""
    owner = conn.execute(
        "SELECT id FROM locations WHERE code = ?1 OR barcode = ?1"
        " UNION ALL SELECT location_id FROM location_aliases WHERE code = ?1",
        (code,),
    ).fetchone()
    if owner is not None:
        if owner[0] != location_id:
            raise InvalidRequest(f"location code: {code} already names another location")
        return "known"
    row = conn.execute("SELECT barcode FROM locations WHERE id = ?", (location_id,)).fetchone()
    if row[0] is None:
        conn.execute(
            "UPDATE locations SET barcode = ?, server_seq = ? WHERE id = ?",
            (code, next_server_seq(conn), location_id),
        )
        how = "barcode"
    else:
        conn.execute(
            "INSERT INTO location_aliases(code, location_id, created_at, created_by)"
            " VALUES (?, ?, ?, ?)",
            (code, location_id, iso_now(), by_user),
        )
        conn.execute(
            "UPDATE locations SET server_seq = ? WHERE id = ?",
            (next_server_seq(conn), location_id),
        )
        how = "alias"
    bump_catalog_version(conn)
    return how


def ensure_lot(
    conn: sqlite3.Connection,
    item_id: int,
    code: str,
    expiry: str | None = None,
    *,
    seq: int | None = None,
) -> str:
    """The lot's status, creating the lot (with its expiry) the first time it is seen,
    and filling in an expiry it did not have.  ``seq`` stamps the change (a push
    passes the movement's own; by default a fresh one is taken)."""
    row = conn.execute(
        "SELECT status, expiry FROM lots WHERE item_id = ? AND code = ?", (item_id, code)
    ).fetchone()
    if row is not None:
        if expiry and row[1] is None:
            conn.execute(
                "UPDATE lots SET expiry = ?, server_seq = ? WHERE item_id = ? AND code = ?",
                (expiry, seq or next_server_seq(conn), item_id, code),
            )
        return str(row[0])
    conn.execute(
        "INSERT INTO lots(item_id, code, expiry, server_seq) VALUES (?, ?, ?, ?)",
        (item_id, code, expiry, seq or next_server_seq(conn)),
    )
    return "ok"


def set_lot_status(conn: sqlite3.Connection, item_id: int, code: str, status: str) -> None:
    if status not in LOT_STATUSES:
        raise InvalidRequest(f"status: {status!r} is not one of {', '.join(LOT_STATUSES)}")
    ensure_lot(conn, item_id, code)
    conn.execute(
        "UPDATE lots SET status = ?, server_seq = ? WHERE item_id = ? AND code = ?",
        (status, next_server_seq(conn), item_id, code),
    )


class Catalog:
    """In-memory lookups of items and locations by every name they answer to.

    ``refresh`` reloads only when the database's catalog version moved, so it
    is cheap to call at the start of every push.
    """

    def __init__(self) -> None:
        self.version: tuple[str, int] = ("", -1)
        self.items: dict[str, tuple[ItemRef, int]] = {}
        self.locations: dict[str, LocationRef] = {}
        self.locations_by_id: dict[int, LocationRef] = {}
        self.items_by_id: dict[int, ItemRef] = {}

    def refresh(self, conn: sqlite3.Connection) -> None:
        # the epoch too: a restored backup can have the same version, other rows
        version = (epoch(conn), catalog_version(conn))
        if version == self.version:
            return
        items: dict[str, tuple[ItemRef, int]] = {}
        by_id: dict[int, ItemRef] = {}
        for row in conn.execute(
            "SELECT id, sku, tracking, item_class, unit_cost FROM items WHERE active = 1"
        ):
            ref = ItemRef(row[0], row[1], row[2], row[3], row[4])
            by_id[ref.id] = ref
            items[ref.sku] = (ref, 1)
        for code, item_id, pack_qty in conn.execute(
            "SELECT code, item_id, pack_qty FROM item_barcodes"
        ):
            if item_id in by_id:
                items.setdefault(code, (by_id[item_id], pack_qty))
        locations: dict[str, LocationRef] = {}
        locations_by_id: dict[int, LocationRef] = {}
        for row in conn.execute(
            "SELECT id, code, barcode, kind, warehouse_id FROM locations WHERE active = 1"
        ):
            loc = LocationRef(row[0], row[1], row[3], row[4])
            locations_by_id[loc.id] = loc
            locations[loc.code] = loc
            if row[2]:
                locations.setdefault(row[2], loc)
        for code, location_id in conn.execute("SELECT code, location_id FROM location_aliases"):
            if location_id in locations_by_id:
                locations.setdefault(code, locations_by_id[location_id])
        self.items, self.items_by_id = items, by_id
        self.locations, self.locations_by_id = locations, locations_by_id
        self.version = version

    def item(self, code: str) -> tuple[ItemRef, int] | None:
        """(item, pack quantity) for a SKU or any of its barcodes.

        A 12-digit UPC-A also finds the item filed under its EAN-13 form, and
        the other way round: they are the same product code.
        """
        found = self.items.get(code)
        if found is None and code.isdigit():
            if len(code) == 12:
                found = self.items.get("0" + code)
            elif len(code) == 13 and code.startswith("0"):
                found = self.items.get(code[1:])
            elif len(code) == 14 and code.startswith("0"):
                found = self.items.get(code[1:]) or self.items.get(code[2:])
        return found

    def location(self, code: str) -> LocationRef | None:
        return self.locations.get(code)

    def virtual(self, code: str) -> LocationRef:
        return self.locations[code]

    def named(self, item: str | None, location: str | None) -> tuple[str | None, str | None]:
        """A filter's item as its SKU and location as its code, whichever barcode
        was scanned or typed; a name known to neither stays as given."""
        found_item = self.item(item) if item else None
        found_location = self.location(location) if location else None
        return (
            found_item[0].sku if found_item else item,
            found_location.code if found_location else location,
        )


_catalogs: dict[str, Catalog] = {}


def catalog_for(conn: sqlite3.Connection) -> Catalog:
    """This process's catalog of the database behind ``conn``, refreshed if it moved."""
    path = conn.execute("PRAGMA database_list").fetchone()[2] or f"memory:{id(conn)}"
    catalog = _catalogs.get(path)
    if catalog is None:
        catalog = _catalogs[path] = Catalog()
    catalog.refresh(conn)
    return catalog
