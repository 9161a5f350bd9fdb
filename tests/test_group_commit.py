"""Group commit (``Store.group``): calls that arrive while the writer is busy
share one write transaction, and each behaves as if it had run alone.

The writer is held busy with ``Store.write`` until three calls wait; then they
run together.  A real SQLite file throughout.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from server.database import Store
from sync.catalog import add_item, add_location, add_warehouse
from sync.clock import ms_to_iso, now_ms
from sync.devices import register_device
from sync.errors import DeviceRefused, TransientStoreError
from sync.meta import get_meta, set_meta
from sync.movement import PushRequest
from sync.push import decode_push, push_in_transaction
from sync.rules import Rules
from sync.verify import verify


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store(tmp_path / "g.db", busy_timeout_ms=200, synchronous="NORMAL")
    yield store
    store.close()


def _together(store: Store, calls: list[Callable[[sqlite3.Connection], Any]]) -> list[Any]:
    """Run ``calls`` through store.group while the writer is busy, so they queue
    up and commit as one group; returns each one's result or exception."""
    release = threading.Event()
    busy = threading.Thread(target=store.write, args=(lambda conn: release.wait(10),))
    busy.start()
    time.sleep(0.1)  # the writer is taken
    out: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            out[i] = store.group(calls[i])
        except Exception as exc:
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    time.sleep(0.5)  # all of them are waiting for the writer
    release.set()
    for t in [busy, *threads]:
        t.join(10)
    return out


def _put(key: str) -> Callable[[sqlite3.Connection], str]:
    def put(conn: sqlite3.Connection) -> str:
        set_meta(conn, key, "yes")
        return key

    return put


def _put_then_fail(key: str, error: Exception) -> Callable[[sqlite3.Connection], str]:
    def put(conn: sqlite3.Connection) -> str:
        set_meta(conn, key, "yes")
        raise error

    return put


def _stored(store: Store, *keys: str) -> list[str | None]:
    return [store.read(get_meta, key) for key in keys]


def test_a_failing_call_is_rolled_back_alone(store: Store) -> None:
    results = _together(
        store, [_put("a"), _put_then_fail("b", ValueError("bad movement")), _put("c")]
    )
    assert results[0] == "a" and results[2] == "c"
    assert isinstance(results[1], ValueError)
    assert _stored(store, "a", "b", "c") == ["yes", None, "yes"]


def test_a_transient_fault_fails_the_whole_group_and_keeps_nothing(store: Store) -> None:
    locked = sqlite3.OperationalError("database is locked")
    results = _together(store, [_put("a"), _put("b"), _put_then_fail("c", locked)])
    assert all(isinstance(r, TransientStoreError) for r in results)
    assert _stored(store, "a", "b", "c") == [None, None, None]


def test_the_writer_is_free_for_the_next_group(store: Store) -> None:
    _together(store, [_put_then_fail("a", sqlite3.OperationalError("database is locked"))])
    assert store.group(_put("b")) == "b"
    assert _stored(store, "a", "b") == [None, "yes"]


def test_pushes_in_one_group_post_exactly_once_and_a_refused_one_posts_nothing(
    store: Store,
) -> None:
    def setup(conn: sqlite3.Connection) -> list[str]:
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "DOCK", "receiving", warehouse="MAIN")
        add_item(conn, "SKU-1", "Bolt")
        return [register_device(conn, name=f"s-{n}", username="ana").device_id for n in (1, 2)]

    first, second = store.transact(setup)
    now = now_ms()

    def body(device_id: str, seq: int) -> PushRequest:
        at = ms_to_iso(now)
        movement = {"id": str(uuid.uuid4()), "seq": seq, "kind": "receive", "user": "ana",
                    "recorded_at": at, "item": "SKU-1", "to": "DOCK", "qty": 2}  # fmt: skip
        envelope = {"protocol": 1, "device_id": device_id, "device_time": at,
                    "movements": [movement]}  # fmt: skip
        return decode_push(msgspec.json.encode(envelope))

    rules = Rules()
    results = _together(
        store,
        [
            lambda conn: push_in_transaction(conn, body(first, 1), rules, now),
            lambda conn: push_in_transaction(conn, body(str(uuid.uuid4()), 1), rules, now),
            lambda conn: push_in_transaction(conn, body(second, 1), rules, now),
            lambda conn: push_in_transaction(conn, body(first, 2), rules, now),
        ],
    )
    assert isinstance(results[1], DeviceRefused)
    assert [r["device_last_seq"] for r in (results[0], results[2], results[3])] == [1, 1, 2]
    assert [r["results"][0]["outcome"] for r in (results[0], results[2], results[3])] == [
        "applied"
    ] * 3
    on_hand = store.read(
        lambda conn: conn.execute("SELECT sum(on_hand) FROM stock WHERE lot = ''").fetchone()[0]
    )
    assert on_hand == 0  # double entry: +6 at the dock, -6 at SUPPLIER
    assert store.read(verify) == []
    assert store.read(lambda c: c.execute("SELECT count(*) FROM movements").fetchone()[0]) == 3
