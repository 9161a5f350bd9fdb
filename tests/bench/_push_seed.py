"""The history before the push: catalog and about a million ledger rows.

Written in bulk through ``sync.posting.Poster`` (so movements, ledger, stock projection
and counters are what the server itself writes), with the secondary indexes (whatever
the schema has, read from ``sqlite_master``) dropped for the load and made again after
it.  Meant to run in a child process, so its memory is not the client's.
"""

from __future__ import annotations

import hashlib
import math
import random
import time
from pathlib import Path

import msgspec
from _push_floor import MIX, Floor, wire
from _push_site import BATCH, ITEMS, CatalogIds, Site, iso, movement_row, uuid7

from sync.db import connect, write_transaction
from sync.devices import register_device
from sync.posting import Poster, StockRow
from sync.schema import migrate

SEED_DAYS = 30


def seed(path: Path, ledger_rows: int, rng_seed: int, end_ms: int) -> None:
    """Catalog, then about ``ledger_rows`` ledger rows of history ending at ``end_ms``."""
    started = time.perf_counter()
    site = Site.plan()
    conn = connect(path, synchronous="OFF")  # setup: nothing to keep if it crashes
    conn.execute("PRAGMA cache_size = -524288")
    migrate(conn)
    conn.execute("PRAGMA journal_mode = OFF")  # each page written once; WAL again at the end
    site.create(conn)
    with write_transaction(conn):
        device = register_device(conn, name="history-import", username="history")
    catalog_s = time.perf_counter() - started
    ids_of = CatalogIds.read(conn, site)

    floor = Floor(site, list(range(ITEMS)), {}, random.Random(rng_seed), recounts=False)
    inventory = ids_of.locations["INVENTORY"]
    per_move = sum(MIX[k] * (1 if k == "count" else 2) for k in MIX) / 100
    moves_wanted = max(1, math.ceil(ledger_rows / per_move))
    step = max(1, SEED_DAYS * 86_400_000 // moves_wanted)
    t0 = end_ms - moves_wanted * step
    # Secondary indexes are dropped for the bulk insert and made again after it
    # (a sort instead of a million random inserts); the schema ends up the same.
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND tbl_name IN ('movements', 'ledger', 'counts')"
    ).fetchall()
    for name, _ in indexes:
        conn.execute(f"DROP INDEX {name}")
    # Stock starts empty and only this process writes: one set of rows, shared by every
    # transaction's Poster, spares it a read per row and transaction.
    loc = ids_of.locations
    shared = [loc[c] for c in (site.dock, *site.totes, "SUPPLIER", "INVENTORY")]
    stock_rows = {
        (ids_of.items[i], loc_id, ""): StockRow(0, None, 0)
        for i, spec in enumerate(site.items)
        for loc_id in (loc[spec.pick_bin], loc[spec.reserve_bin], *shared)
    }
    written = n = 0
    encode = msgspec.json.Encoder().encode
    while written < ledger_rows:
        # The project's own write path: Poster numbers, buffers and projects; we decide
        # what each movement posts (what Merger would, for movements without conflicts).
        with write_transaction(conn):
            poster = Poster(conn)
            poster.stock = stock_rows
            counts = []
            for kind in floor.kinds(BATCH * 250):
                if written >= ledger_rows:
                    break
                n += 1
                s, ms = poster.next_seq(), t0 + n * step
                move = floor.make(kind, ms)
                w = wire(move, uuid7(ms), n, "history", ms, s - 1)
                raw = encode(w)
                # A digest is only compared when the same id comes again, which history
                # never does: a hash of the bytes stands in for sync.movement's.
                digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
                row = movement_row(w, raw, device.device_id, s, ms, ids_of, digest)
                poster.movement(row)
                item_id, src, dst = row[12], row[14], row[15]
                if move.kind == "count":  # as Merger.post_count: the variance, to INVENTORY
                    variance = move.units - poster.stock_row((item_id, dst, "")).on_hand
                    poster.entry(s, s, "count", (item_id, dst, ""), variance).last_count_seq = s
                    counts.append((s, item_id, dst, "", move.units, s))
                    written += 1
                    if variance:
                        poster.entry(s, s, "count", (item_id, inventory, ""), -variance)
                        written += 1
                    continue
                poster.entry(s, s, move.kind, (item_id, src, ""), -move.units)
                poster.entry(s, s, move.kind, (item_id, dst, ""), move.units)
                written += 2
            poster.flush()
            conn.executemany(
                "INSERT INTO counts(movement_seq, item_id, location_id, lot, counted, server_seq)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                counts,
            )
    indexing = time.perf_counter()
    with write_transaction(conn):
        for _, sql in indexes:
            conn.execute(sql)
        conn.execute(
            "UPDATE devices SET last_seq = ?, last_event_ms = ?, clock_offset_ms = 0,"
            " last_push_at = ? WHERE id = ?",
            (n, t0 + n * step, iso(t0 + n * step), device.device_id),
        )
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    print(
        f"setup: catalog {catalog_s:.1f} s; history {n:,} movements, {written:,} ledger rows"
        f" in {time.perf_counter() - started - catalog_s:.1f} s"
        f" (indexes {time.perf_counter() - indexing:.1f} s of it)",
        flush=True,
    )
