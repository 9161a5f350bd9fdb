"""Opening the SQLite database, in one place.

Every connection the project makes goes through :func:`connect`, so the
pragmas (WAL, foreign keys, busy timeout) are the same for the server, the
CLI, the tests and the benchmarks.  Writes that must not be lost run inside
:func:`write_transaction`, which takes SQLite's write lock up front
(``BEGIN IMMEDIATE``) so two writers never deadlock on a lock upgrade.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import TransientStoreError

__all__ = [
    "connect",
    "write_transaction",
    "read_transaction",
    "is_transient",
    "TransientStoreError",
    "Checkpointer",
]

log = logging.getLogger("shelfsync.db")

_TRANSIENT_MARKERS = (
    "database is locked",
    "database table is locked",
    "database or disk is full",
    "disk i/o error",
    "unable to open database",
    "database is busy",
)


def connect(
    path: str | Path,
    *,
    busy_timeout_ms: int = 5000,
    synchronous: str = "NORMAL",
    readonly: bool = False,
    cache_mb: int = 64,
    mmap_mb: int = 0,
) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode with the project's pragmas.

    ``mmap_mb`` > 0 lets SQLite read up to that much of the file through a
    memory map instead of a ``pread`` per page (the server turns it on).

    Transactions are explicit (``write_transaction`` or ``BEGIN``), never
    implicit: ``isolation_level=None`` stops the sqlite3 module from opening
    transactions behind our back.
    """
    target = f"file:{path}?mode=ro" if readonly else str(path)
    conn = sqlite3.connect(
        target,
        uri=readonly,
        isolation_level=None,
        check_same_thread=False,
        cached_statements=256,
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
    conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute(f"PRAGMA cache_size = {-1024 * int(cache_mb)}")
    conn.execute(f"PRAGMA mmap_size = {1024 * 1024 * int(mmap_mb)}")
    return conn


def is_transient(exc: BaseException) -> bool:
    """True for database faults that may pass if the caller tries again later."""
    if not isinstance(exc, sqlite3.OperationalError):
        return False
    text = str(exc).lower()
    return any(marker in text for marker in _TRANSIENT_MARKERS)


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block as one write transaction: all of it commits, or none.

    A transient fault (locked, busy, disk full) is re-raised as
    :class:`TransientStoreError` after the rollback, so callers can answer
    "try again later" knowing nothing was written.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        if is_transient(exc):
            raise TransientStoreError(str(exc)) from exc
        raise
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if is_transient(exc):
            raise TransientStoreError(str(exc)) from exc
        raise


@contextmanager
def read_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A consistent snapshot for several reads (WAL readers never block writers)."""
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")


class Checkpointer:
    """Copies the WAL back into the database from a thread of its own.

    With SQLite's automatic checkpoints, the commit that crosses the threshold
    pays for copying pages and an fsync; in a busy server that is a push
    waiting.  A long-running process instead raises the writer's threshold
    (``writer_autocheckpoint`` pages, a safety net should this thread stall)
    and checkpoints here, passively, every ``interval`` seconds.  sqlite3
    releases the GIL while it works, so this runs beside the writer.
    """

    writer_autocheckpoint = 16384  # pages: 64 MiB at 4 KiB

    def __init__(self, path: str | Path, *, interval: float = 0.5) -> None:
        self._path = path
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        conn = connect(self._path, busy_timeout_ms=100)
        try:
            while not self._stop.wait(self._interval):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # a checkpoint can always wait for the next turn
                    log.warning("WAL checkpoint skipped: %s", exc)
        finally:
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
