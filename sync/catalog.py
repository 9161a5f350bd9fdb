"""The catalog: warehouses, locations, items with their barcodes, lots.

Writers here run inside the caller's write transaction and stamp each row
with a fresh ``server_seq`` so devices pull the change.  ``Catalog`` is the
read side used on the push hot path: it resolves SKUs and barcodes, location
codes and barcodes, from memory, and reloads when ``catalog_version`` moves.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .clock import iso_now
from .errors import InvalidRequest
from .kinds import LOCATION_KINDS, LOT_STATUSES, TRACKING_MODES
from .meta import bump_catalog_version, catalog_version, epoch, next_server_seq

__all__ = [
    "ItemRef",
    "LocationRef",
    "Catalog",
    "catalog_for",
    "add_warehouse",
    "add_location",
    "add_item",
    "add_barcode",
    "add_location_code",
    "ensure_lot",
    "set_lot_status",
    "is_valid_gtin",
]


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
    """GS1 mod-10 check digit of an EAN-8/UPC-A/EAN-13/GTIN-14."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        return False
    digits = [int(c) for c in code]
    body, check = digits[:-1], digits[-1]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


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
    warehouse: str | None = None,
    barcode: str | None = None,
    zone: str | None = None,
    pick_seq: int | None = None,
) -> int:
    """Create or update a location by code."""
    code = _text(code, "code", limit=64) or ""
    if kind not in LOCATION_KINDS or kind == "virtual":
        allowed = ", ".join(k for k in LOCATION_KINDS if k != "virtual")
        raise InvalidRequest(f"kind: {kind!r} is not one of {allowed}")
    warehouse_id = None
    if warehouse is not None:
        row = conn.execute("SELECT id FROM warehouses WHERE code = ?", (warehouse,)).fetchone()
        if row is None:
            raise InvalidRequest(f"warehouse: no warehouse {warehouse!r}")
        warehouse_id = row[0]
    if pick_seq is not None and (not isinstance(pick_seq, int) or pick_seq < 0):
        raise InvalidRequest("pick_seq: expected a whole number >= 0")
    barcode = _text(barcode, "barcode", required=False, limit=64)
    seq = next_server_seq(conn)
    try:
        conn.execute(
            "INSERT INTO locations(code, barcode, kind, warehouse_id, zone, pick_seq, server_seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(code) DO UPDATE SET barcode = excluded.barcode, kind = excluded.kind,"
            " warehouse_id = excluded.warehouse_id, zone = excluded.zone,"
            " pick_seq = excluded.pick_seq, server_seq = excluded.server_seq",
            (code, barcode, kind, warehouse_id, zone, pick_seq, seq),
        )
    except sqlite3.IntegrityError:
        raise InvalidRequest(f"barcode: {barcode!r} already labels another location") from None
    bump_catalog_version(conn)
    return int(conn.execute("SELECT id FROM locations WHERE code = ?", (code,)).fetchone()[0])


def add_item(
    conn: sqlite3.Connection,
    sku: str,
    name: str,
    *,
    unit: str = "ea",
    tracking: str = "none",
    expiry_tracked: bool = False,
    reorder_point: int | None = None,
    reorder_qty: int | None = None,
    item_class: str | None = None,
    unit_cost: float | None = None,
    barcodes: list[tuple[str, int]] | None = None,
) -> int:
    """Create or update an item by SKU, with its barcodes (code, pack quantity)."""
    sku = _text(sku, "sku", limit=64) or ""
    if tracking not in TRACKING_MODES:
        raise InvalidRequest(f"tracking: {tracking!r} is not one of {', '.join(TRACKING_MODES)}")
    for label, value in (("reorder_point", reorder_point), ("reorder_qty", reorder_qty)):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise InvalidRequest(f"{label}: expected a whole number >= 0")
    if unit_cost is not None and unit_cost < 0:
        raise InvalidRequest("unit_cost: must not be negative")
    seq = next_server_seq(conn)
    conn.execute(
        "INSERT INTO items(sku, name, unit, tracking, expiry_tracked, reorder_point,"
        " reorder_qty, item_class, unit_cost, server_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(sku) DO UPDATE SET name = excluded.name, unit = excluded.unit,"
        " tracking = excluded.tracking, expiry_tracked = excluded.expiry_tracked,"
        " reorder_point = excluded.reorder_point, reorder_qty = excluded.reorder_qty,"
        " item_class = excluded.item_class, unit_cost = excluded.unit_cost,"
        " server_seq = excluded.server_seq",
        (
            sku,
            _text(name, "name"),
            _text(unit, "unit", limit=16),
            tracking,
            int(bool(expiry_tracked)),
            reorder_point,
            reorder_qty,
            item_class,
            unit_cost,
            seq,
        ),
    )
    item_id = int(conn.execute("SELECT id FROM items WHERE sku = ?", (sku,)).fetchone()[0])
    for code, pack_qty in barcodes or []:
        add_barcode(conn, item_id, code, pack_qty)
    bump_catalog_version(conn)
    return item_id


def add_barcode(conn: sqlite3.Connection, item_id: int, code: str, pack_qty: int = 1) -> None:
    code = _text(code, "barcode", limit=64) or ""
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


_catalogs: dict[str, Catalog] = {}


def catalog_for(conn: sqlite3.Connection) -> Catalog:
    """This process's catalog of the database behind ``conn``, refreshed if it moved."""
    path = conn.execute("PRAGMA database_list").fetchone()[2] or f"memory:{id(conn)}"
    catalog = _catalogs.get(path)
    if catalog is None:
        catalog = _catalogs[path] = Catalog()
    catalog.refresh(conn)
    return catalog
