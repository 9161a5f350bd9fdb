"""The raw baseline: a plain ``sqlite3`` ``executemany`` of the pushed movements' rows."""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from pathlib import Path
from typing import Any

import msgspec
from _push_load import Load
from _push_site import BATCH, CatalogIds, Site, movement_row

from sync.clock import parse_iso_ms
from sync.db import connect

_INSERT_MOVEMENT = (
    "INSERT INTO movements(id, device_id, seq, server_seq, status_seq, kind, user, recorded_at,"
    " event_ms, time_uncertain, received_at, basis, item_id, lot, from_id, to_id, units,"
    " outcome, state, code, message, digest, payload)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def raw_executemany(db: Path, load: Load, directory: Path, run: int) -> float:
    """Rows per second of a plain executemany of the pushed movements' rows, 200 per
    transaction, into the movements table (same definition) of a fresh WAL file.

    Runs in a child process, so its rows are not counted in the client's memory.
    """
    context = multiprocessing.get_context("fork")
    answer: multiprocessing.SimpleQueue[float] = context.SimpleQueue()
    child = context.Process(target=_raw_child, args=(db, load, directory / f"raw-{run}.db", answer))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise SystemExit(f"the raw baseline failed (exit {child.exitcode})")
    return answer.get()


def _raw_child(
    db: Path, load: Load, path: Path, answer: multiprocessing.SimpleQueue[float]
) -> None:
    conn = connect(db, readonly=True)
    ids = CatalogIds.read(conn, Site.plan())
    ddl = [r[0] for r in conn.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'movements' AND sql IS NOT NULL"
        " ORDER BY type DESC")]  # fmt: skip
    conn.close()
    encode = msgspec.json.Encoder().encode
    rows: list[tuple[Any, ...]] = []
    for dev in load.devices:
        for head in dev.head:
            body = msgspec.json.decode(head + b"2000-01-01T00:00:00.000Z" + dev.tail)
            for w in body["movements"]:
                raw = encode(w)  # the same bytes the device sent
                digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
                server_seq = load.start_seq + len(rows) + 1
                ms = parse_iso_ms(w["recorded_at"])
                rows.append(movement_row(w, raw, dev.device_id, server_seq, ms, ids, digest))
    conn = connect(path)
    for statement in ddl:
        conn.execute(statement)
    started = time.perf_counter()
    for i in range(0, len(rows), BATCH):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_INSERT_MOVEMENT, rows[i : i + BATCH])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    answer.put(len(rows) / elapsed)
