"""A demo warehouse that feels real, made in a few seconds.

Warehouse ``MAIN``: pick zones A and B and reserve zone C, with bins coded
``A-01-01`` (zone, aisle, bay), each with a barcode and a walk sequence that
snakes up one aisle and down the next; receiving docks, staging and forty
totes, packing, shipping, returns and quarantine.  A thousand items from
``server.demo_items`` (valid EAN-13s, some case GTIN-14s, about a tenth
lot-tracked with expiry), slotted fast movers first along the walk.

Stock arrives the way it does in a real warehouse — and the only way the
protocol allows: receipts into a dock, then putaways into bins, posted as
movements through the server's own device (``sync.local.post_local``).  A few
receipts are left on DOCK-2 waiting for putaway.  One login per role.

The same seed always gives the same warehouse.
"""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sync.catalog import add_item, add_location, add_warehouse
from sync.db import write_transaction
from sync.errors import Conflict
from sync.kinds import ROLES
from sync.local import post_local  # the one write path for stock

from .demo_items import DemoItem, demo_items
from .users import add_user

__all__ = [
    "DEMO_LOGINS",
    "DemoSummary",
    "create_demo",
    "database_is_empty",
    "demo_logins_present",
    "format_logins",
]

# (username, role, password): one per role; the passwords are public, by design.
DEMO_LOGINS: list[tuple[str, str, str]] = [(role, role, f"{role}-demo") for role in ROLES]

WAREHOUSE = "MAIN"
PICK_ZONES = {"A": (8, 20), "B": (8, 20)}  # zone: (aisles, bays per aisle)
RESERVE_ZONES = {"C": (4, 16)}
OTHER_LOCATIONS = [
    ("DOCK-1", "receiving"),
    ("DOCK-2", "receiving"),
    ("STAGE-1", "staging"),
    *((f"TOTE-{n:02d}", "staging") for n in range(1, 41)),
    ("PACK-1", "packing"),
    ("SHIP-1", "shipping"),
    ("RET-1", "returns"),
    ("QUAR-1", "quarantine"),
]
BATCH = 500
POSTED_BY = "admin"


@dataclass
class DemoSummary:
    items: int = 0
    locations: int = 0
    bins: int = 0
    users: list[str] = field(default_factory=list)
    movements: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)


def database_is_empty(conn: sqlite3.Connection) -> bool:
    """No items, no real locations and no users: a database nobody has used yet."""
    row = conn.execute(
        "SELECT (SELECT count(*) FROM items) + (SELECT count(*) FROM users)"
        " + (SELECT count(*) FROM locations WHERE kind != 'virtual')"
    ).fetchone()
    return int(row[0]) == 0


def demo_logins_present(conn: sqlite3.Connection) -> bool:
    """True when every demo login exists (their passwords may have been changed since)."""
    names = [username for username, _, _ in DEMO_LOGINS]
    marks = ", ".join("?" * len(names))
    row = conn.execute(f"SELECT count(*) FROM users WHERE username IN ({marks})", names).fetchone()
    return int(row[0]) == len(names)


def _bins(zones: dict[str, tuple[int, int]], kind: str, first_seq: int) -> list[dict[str, Any]]:
    """Bins in walk order: up odd aisles, down even ones (a serpentine path)."""
    found = []
    seq = first_seq
    for zone, (aisles, bays) in zones.items():
        for aisle in range(1, aisles + 1):
            order = range(1, bays + 1) if aisle % 2 else range(bays, 0, -1)
            for bay in order:
                seq += 10  # gaps leave room for bins added later
                code = f"{zone}-{aisle:02d}-{bay:02d}"
                found.append(
                    {
                        "code": code,
                        "kind": kind,
                        "zone": zone,
                        "pick_seq": seq,
                        "barcode": "L" + code.replace("-", ""),
                    }
                )
    return found


def _create_catalog(
    conn: sqlite3.Connection, items: list[DemoItem], bins: list[dict[str, Any]]
) -> None:
    add_warehouse(conn, WAREHOUSE, "Main warehouse")
    for spec in bins:
        add_location(conn, warehouse=WAREHOUSE, **spec)
    for code, kind in OTHER_LOCATIONS:
        barcode = "L" + code.replace("-", "")
        add_location(conn, code, kind, warehouse=WAREHOUSE, barcode=barcode)
    for item in items:
        add_item(
            conn,
            item.sku,
            item.name,
            unit=item.unit,
            tracking="lot" if item.lot_tracked else "none",
            expiry_tracked=item.lot_tracked,
            reorder_point=item.reorder_point,
            reorder_qty=item.reorder_qty,
            item_class=item.item_class,
            unit_cost=item.unit_cost,
            barcodes=item.barcodes,
        )
    for username, role, password in DEMO_LOGINS:
        add_user(conn, username, role, password)


def _lots(rng: random.Random, item: DemoItem) -> list[tuple[str | None, str | None]]:
    if not item.lot_tracked:
        return [(None, None)]
    lots: list[tuple[str | None, str | None]] = []
    for _ in range(rng.choice((1, 1, 2))):
        code = f"L26{rng.randint(1, 12):02d}-{rng.randrange(1000):03d}"
        expiry = date(2027, 1, 1) + timedelta(days=rng.randrange(730))
        lots.append((code, expiry.isoformat()))
    return lots


def _stock_movements(
    rng: random.Random,
    items: list[DemoItem],
    pick_bins: list[str],
    reserve_bins: list[str],
) -> list[dict[str, Any]]:
    """Receipts and putaways: fast movers (class A) slotted first along the walk."""
    movements: list[dict[str, Any]] = []
    slotted = sorted(items, key=lambda i: (i.item_class, i.sku))
    for n, item in enumerate(slotted):
        if rng.random() < 0.08:
            continue  # out of stock: something for the reorder report
        home = pick_bins[n * len(pick_bins) // len(slotted)]
        low, high = {"A": (40, 240), "B": (20, 120), "C": (6, 60)}[item.item_class]
        for lot, expiry in _lots(rng, item):
            in_bin = rng.randint(low, high)
            in_reserve = item.reorder_qty if rng.random() < 0.3 else 0
            dock = rng.choice(("DOCK-1", "DOCK-2"))
            tag = {"item": item.sku} | ({"lot": lot} if lot else {})
            receive = {"kind": "receive", **tag, "to": dock, "qty": in_bin + in_reserve}
            movements.append(receive | ({"expiry": expiry} if expiry else {}))
            if dock == "DOCK-2" and rng.random() < 0.03:
                continue  # still on the dock, waiting for putaway
            movements.append({"kind": "putaway", **tag, "from": dock, "to": home, "qty": in_bin})
            if in_reserve:
                reserve = rng.choice(reserve_bins)
                movements.append(
                    {"kind": "putaway", **tag, "from": dock, "to": reserve, "qty": in_reserve}
                )
    return movements


def create_demo(conn: sqlite3.Connection, *, seed: int = 2026) -> DemoSummary:
    """Fill an empty database with the demo warehouse; ``Conflict`` if it has items."""
    rng = random.Random(seed)
    items = demo_items(rng)
    pick = _bins(PICK_ZONES, "pick", 0)
    reserve = _bins(RESERVE_ZONES, "reserve", pick[-1]["pick_seq"])
    with write_transaction(conn):
        if conn.execute("SELECT 1 FROM items LIMIT 1").fetchone() is not None:
            raise Conflict("the database already has items; the demo needs an empty database")
        _create_catalog(conn, items, pick + reserve)
    summary = DemoSummary(
        items=len(items),
        locations=len(pick) + len(reserve) + len(OTHER_LOCATIONS),
        bins=len(pick) + len(reserve),
        users=[username for username, _, _ in DEMO_LOGINS],
    )
    movements = _stock_movements(
        rng, items, [b["code"] for b in pick], [b["code"] for b in reserve]
    )
    for start in range(0, len(movements), BATCH):
        results = post_local(conn, movements[start : start + BATCH], user=POSTED_BY)
        summary.outcomes.update(str(r["outcome"]) for r in results)
    summary.movements = len(movements)
    return summary


def format_logins() -> str:
    """The demo logins, one a line, for the console."""
    lines = ["Demo logins (username / password):"]
    lines += [f"  {role:<11} {username} / {password}" for username, role, password in DEMO_LOGINS]
    return "\n".join(lines)
