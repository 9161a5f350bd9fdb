"""Closing the store waits for reads still running in worker threads."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from server.database import Store
from sync.errors import TransientStoreError


def test_close_waits_for_a_running_read_and_later_reads_are_refused(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db", busy_timeout_ms=1000, synchronous="NORMAL", mmap_mb=64)
    started = threading.Event()
    answers: list[int] = []

    def slow_read(conn: sqlite3.Connection) -> int:
        started.set()
        time.sleep(0.3)
        return int(conn.execute("SELECT count(*) FROM locations").fetchone()[0])

    reader = threading.Thread(target=lambda: answers.append(store.read(slow_read)))
    reader.start()
    assert started.wait(5)
    store.close()  # must not close the connection under the running read
    reader.join(5)
    assert answers and answers[0] >= 4  # the virtual locations were read, not a crash
    with pytest.raises(TransientStoreError):
        store.read(lambda conn: conn.execute("SELECT 1").fetchone())
