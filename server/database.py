"""The server's handle on the SQLite file: one writer, a reader per thread.

SQLite allows one writer at a time, so the server keeps exactly one write
connection and serialises its users with a lock (no ``database is locked``
between our own requests); readers are per thread and, in WAL mode, never
wait for the writer.  Views are async: they hand their database work to a
worker thread with :meth:`Store.read` / :meth:`Store.write` (sync) or the
``a``-prefixed awaitable versions.

    store.read(fn, *args)       fn(reader, *args); fn opens read_transaction if it needs a snapshot
    store.write(fn, *args)      fn(writer, *args) under the lock; fn manages its transactions
    store.transact(fn, *args)   fn(writer, *args) under the lock, inside one write_transaction
    store.group(fn, *args)      like transact, but callers that arrive while the writer
                                is busy share one transaction (group commit), each call
                                inside a savepoint of its own

Group commit: every commit writes each B-tree page it changed to the WAL, and
pushes that arrive together touch many of the same pages (stock rows, index
leaves), so committing them together writes fewer pages per push.  Nobody
gets an answer before the transaction holding their work has committed; a
call that raises is rolled back to its savepoint alone; a fault of the
transaction itself (locked, disk full, the commit) fails every call in it.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from server.serving_lock import ServingLock
from sync.db import Checkpointer, connect, is_transient, write_transaction
from sync.errors import TransientStoreError
from sync.meta import get_meta, set_meta
from sync.schema import migrate

__all__ = ["Store"]

T = TypeVar("T")

_SESSION_SECRET_KEY = "session_secret"


@dataclass(eq=False)
class _Call:
    """One caller's part of a group transaction."""

    fn: Callable[[sqlite3.Connection], Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class Store:
    """The open database.  Made in the app's lifespan, closed when it ends."""

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_ms: int,
        synchronous: str,
        writer_cache_mb: int = 256,
        mmap_mb: int = 0,
    ) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._synchronous = synchronous
        self._mmap_mb = mmap_mb
        self._write_lock = threading.Lock()
        self._waiting: list[_Call] = []  # group calls not yet taken by a transaction
        self._waiting_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._reads = threading.Condition()  # guards _reading and _closed
        self._reading = 0
        self._closed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._serving = ServingLock(self.path, shared=True)  # no restore under us
        try:
            self._writer = self._connect(cache_mb=writer_cache_mb)
        except BaseException:
            self._serving.release()
            raise
        try:
            migrate(self._writer)
        except BaseException:
            self._writer.close()
            self._serving.release()
            raise
        self._writer.execute(f"PRAGMA wal_autocheckpoint = {Checkpointer.writer_autocheckpoint}")
        self._checkpointer = Checkpointer(self.path)
        self._checkpointer.start()

    def _connect(self, cache_mb: int = 64) -> sqlite3.Connection:
        return connect(
            self.path,
            busy_timeout_ms=self._busy_timeout_ms,
            synchronous=self._synchronous,
            cache_mb=cache_mb,
            mmap_mb=self._mmap_mb,
        )

    # -- connections -----------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def read(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(reader, ...)`` on this thread's read connection."""
        with self._reads:
            if self._closed:
                raise TransientStoreError("the server is shutting down: try again shortly")
            self._reading += 1
        try:
            conn = self._reader()
            try:
                return fn(conn, *args, **kwargs)
            finally:
                _end_stray_transaction(conn)
        finally:
            with self._reads:
                self._reading -= 1
                self._reads.notify_all()

    def write(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(writer, ...)`` holding the write lock; ``fn`` opens its own transactions."""
        with self._write_lock:
            try:
                return fn(self._writer, *args, **kwargs)
            finally:
                _end_stray_transaction(self._writer)

    def transact(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(writer, ...)`` holding the write lock, as one write transaction."""

        def run(conn: sqlite3.Connection) -> T:
            with write_transaction(conn):
                return fn(conn, *args, **kwargs)

        return self.write(run)

    def group(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(writer, ...)`` in a write transaction shared with the callers that
        arrived while the writer was busy; ``fn`` runs in a savepoint of its own and
        must not open or end transactions."""
        call = _Call(lambda conn: fn(conn, *args, **kwargs))
        with self._waiting_lock:
            self._waiting.append(call)
        with self._write_lock:
            if not call.done.is_set():  # else an earlier holder of the lock ran it
                with self._waiting_lock:
                    calls, self._waiting = self._waiting, []
                try:
                    self._run_group(calls)
                finally:
                    _end_stray_transaction(self._writer)
        if call.error is not None:
            raise call.error
        return call.result

    def _run_group(self, calls: list[_Call]) -> None:
        conn = self._writer
        try:
            with write_transaction(conn):
                for call in calls:
                    conn.execute("SAVEPOINT call")
                    try:
                        call.result = call.fn(conn)
                    except Exception as exc:
                        if is_transient(exc):
                            raise  # the transaction's fault, not this call's
                        conn.execute("ROLLBACK TO SAVEPOINT call")
                        call.error = exc
                    conn.execute("RELEASE SAVEPOINT call")
        except BaseException as exc:  # nothing of the group was committed
            for call in calls:
                call.result, call.error = None, exc
            if not isinstance(exc, Exception):
                raise
        finally:
            for call in calls:
                call.done.set()

    async def aread(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return await run_in_threadpool(self.read, fn, *args, **kwargs)

    async def awrite(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return await run_in_threadpool(self.write, fn, *args, **kwargs)

    async def agroup(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return await run_in_threadpool(self.group, fn, *args, **kwargs)

    async def atransact(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        return await run_in_threadpool(self.transact, fn, *args, **kwargs)

    # -- facts -----------------------------------------------------------

    def session_secret(self) -> str:
        """The key that signs session cookies when no secret is configured.

        Made once, at random, and kept in the database so logins survive a
        restart.  (Restoring another database's backup logs everyone out.)
        """

        def get_or_make(conn: sqlite3.Connection) -> str:
            value = get_meta(conn, _SESSION_SECRET_KEY)
            if value is None:
                value = secrets.token_urlsafe(48)
                set_meta(conn, _SESSION_SECRET_KEY, value)
            return value

        return self.transact(get_or_make)

    def close(self) -> None:
        """Close every connection, after the reads still running in worker threads
        (a background task cancelled mid-read leaves its thread running: closing
        its connection under it would crash the process)."""
        with self._reads:
            self._closed = True
            self._reads.wait_for(lambda: self._reading == 0, timeout=30)
        self._checkpointer.stop()
        with self._readers_lock:
            readers, self._readers = self._readers, []
        for conn in readers:
            conn.close()
        with self._write_lock:
            self._writer.close()
        self._serving.release()


def _end_stray_transaction(conn: sqlite3.Connection) -> None:
    """Never hand a connection on with a transaction left open by a bug."""
    if conn.in_transaction:
        conn.execute("ROLLBACK")
