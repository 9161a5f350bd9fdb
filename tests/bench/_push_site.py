"""The benchmark's warehouse: its plan, its catalog, and the rows the server stores.

One warehouse: ``ITEMS`` items (EAN-13 each, GTIN-14 case of ``CASE_PACK``), a pick
and a reserve bin per item, a dock and ``TOTES`` totes.  Also the small helpers the
other parts share: GS1 check digits, timestamps and time-ordered movement ids.
"""

from __future__ import annotations

import functools
import os
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from sync.catalog import add_item, add_location, add_warehouse
from sync.db import write_transaction

BATCH = 200  # movements per request (and per transaction, in the history and the baseline)
ITEMS = 1_000
TOTES = 200
CASE_PACK = 12


def gs1_check_digit(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


@functools.lru_cache(maxsize=64)
def _day(day: int) -> str:
    return time.strftime("%Y-%m-%dT", time.gmtime(day * 86_400))


def iso(ms: int) -> str:
    """``2026-11-23T09:55:12.331Z``, as sync.clock.ms_to_iso (a few times faster)."""
    day, in_day = divmod(ms, 86_400_000)
    seconds, millis = divmod(in_day, 1000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{_day(day)}{hour:02d}:{minute:02d}:{second:02d}.{millis:03d}Z"


def uuid7(ms: int) -> str:
    """A time-ordered (version 7, RFC 9562) UUID for the time ``ms``, as text.

    The shelfsync PWA makes its movement ids this way, so ids recorded later sort
    later and the index on movement ids grows at its end.
    """
    h = f"{ms & 0xFFFF_FFFF_FFFF:012x}" + os.urandom(10).hex()
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-7{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


@dataclass(frozen=True, slots=True)
class ItemSpec:
    sku: str
    ean: str  # EAN-13 of one unit
    case_gtin: str  # GTIN-14 of a case of CASE_PACK
    pick_bin: str
    reserve_bin: str


@dataclass(frozen=True)
class Site:
    items: list[ItemSpec]
    dock: str
    totes: list[str]

    @classmethod
    def plan(cls) -> Site:
        items = []
        for i in range(ITEMS):
            aisle, bay, level = i // 50 + 1, (i // 2) % 25 + 1, i % 2 + 1
            body = f"590{i + 100_000_000:09d}"[:12]
            ean = body + gs1_check_digit(body)
            case_body = "1" + ean[:12]
            items.append(
                ItemSpec(
                    sku=f"SKU-{i + 1:05d}",
                    ean=ean,
                    case_gtin=case_body + gs1_check_digit(case_body),
                    pick_bin=f"P{aisle:02d}-{bay:02d}-{level}",
                    reserve_bin=f"R{aisle:02d}-{bay:02d}-{level}",
                )
            )
        return cls(items, "DOCK-1", [f"TOTE-{t:03d}" for t in range(1, TOTES + 1)])

    def create(self, conn: sqlite3.Connection) -> None:
        """The catalog, through sync.catalog, in one write transaction."""
        with write_transaction(conn):
            add_warehouse(conn, "WH1", "Main warehouse")
            add_location(conn, self.dock, "receiving", warehouse="WH1", barcode="L" + self.dock)
            for code in self.totes:
                add_location(conn, code, "staging", warehouse="WH1", barcode="L" + code)
            for n, spec in enumerate(self.items):
                zone = spec.pick_bin[:3]
                add_location(
                    conn,
                    spec.pick_bin,
                    "pick",
                    warehouse="WH1",
                    barcode="L" + spec.pick_bin,
                    zone=zone,
                    pick_seq=n,
                )
                add_location(
                    conn,
                    spec.reserve_bin,
                    "reserve",
                    warehouse="WH1",
                    barcode="L" + spec.reserve_bin,
                    zone=zone,
                    pick_seq=ITEMS + n,
                )
                add_item(
                    conn,
                    spec.sku,
                    f"Article {spec.sku[4:]}",
                    item_class="A" if n < 200 else "B",
                    barcodes=[(spec.ean, 1), (spec.case_gtin, CASE_PACK)],
                )


@dataclass(frozen=True)
class CatalogIds:
    items: list[int]  # database id of Site.items[i]
    locations: dict[str, int]  # by code
    barcodes: dict[str, tuple[int, int]]  # code -> (item id, pack quantity)

    @classmethod
    def read(cls, conn: sqlite3.Connection, site: Site) -> CatalogIds:
        by_sku = dict(conn.execute("SELECT sku, id FROM items").fetchall())
        locations = dict(conn.execute("SELECT code, id FROM locations").fetchall())
        barcodes = {r[0]: (r[1], r[2]) for r in conn.execute("SELECT * FROM item_barcodes")}
        return cls([by_sku[spec.sku] for spec in site.items], locations, barcodes)


def movement_row(
    w: dict[str, Any],
    raw: bytes,
    device_id: str,
    server_seq: int,
    recorded_ms: int,
    ids: CatalogIds,
    digest: str,
) -> tuple[Any, ...]:
    """The movements-table row the server stores for wire movement ``w`` when applied."""
    item_id, pack = ids.barcodes[w["item"]]
    src = ids.locations[w["from"]] if w["from"] else None
    if w["kind"] == "receive":
        src = ids.locations["SUPPLIER"]
    dst = ids.locations[w["to"]] if w["to"] else None
    at = w["recorded_at"]
    return (
        w["id"], device_id, w["seq"], server_seq, server_seq, w["kind"], w["user"], at,
        recorded_ms, 0, at, w["basis"], item_id, "", src, dst, w["qty"] * pack, "applied",
        "applied", None, None, digest, raw.decode(),
    )  # fmt: skip
