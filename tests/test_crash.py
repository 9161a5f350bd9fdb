"""A real server process killed with SIGKILL in the middle of concurrent pushes.

Devices keep pushing through the crash (their pushes fail, the outbox stays),
the server is started again on the same database, the devices resend
everything they ever sent — nothing is lost, nothing doubled, and
``shelfsync verify`` is clean.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import httpx2
import pytest
from devicesim import SimDevice
from liveserver import ROOT, cli, free_port, server_env, start_server

from sync.catalog import add_item, add_location, add_warehouse
from sync.db import connect, write_transaction
from sync.devices import register_device
from sync.local import post_local
from sync.schema import migrate

BINS = [f"A-{n:02d}" for n in range(1, 9)]
ITEMS = [f"SKU-{n}" for n in range(1, 6)]
DEVICES = 4
MOVEMENTS_EACH = 400


def _seed(db: Path) -> list[tuple[str, str]]:
    conn = connect(db)
    migrate(conn)
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "DOCK", "receiving", warehouse="MAIN")
        add_location(conn, "TOTE-1", "staging", warehouse="MAIN")
        for code in BINS:
            add_location(conn, code, "pick", warehouse="MAIN")
        for sku in ITEMS:
            add_item(conn, sku, sku)
        creds = [
            (reg.device_id, reg.token)
            for reg in (
                register_device(conn, name=f"scanner-{n}", username="ana") for n in range(DEVICES)
            )
        ]
    post_local(
        conn,
        [{"kind": "receive", "item": sku, "to": b, "qty": 1000} for sku in ITEMS for b in BINS],
        user="setup",
    )
    conn.close()
    return creds


def _record_all(sim: SimDevice, n: int) -> None:
    for i in range(MOVEMENTS_EACH):
        sku, a, b = ITEMS[i % len(ITEMS)], BINS[(i + n) % len(BINS)], BINS[(i * 3) % len(BINS)]
        if i % 3 == 0:
            sim.record("pick", sku, 1 + i % 4, from_=a, to="TOTE-1")
        elif i % 3 == 1:
            sim.record("transfer", sku, 2, from_=a, to=b)
        else:
            sim.record("receive", sku, 3, to=a)


def _keep_pushing(sim: SimDevice, done: threading.Event, until: float) -> None:
    """Push the outbox 25 at a time; a failed push leaves it in the outbox."""
    while sim.outbox and time.monotonic() < until:
        try:
            sim.push(sim.outbox[:25])
        except (httpx2.HTTPError, AssertionError):
            time.sleep(0.05)
    done.set()


@pytest.mark.slow
def test_sigkill_mid_push_loses_nothing_and_doubles_nothing(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    creds = _seed(db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(db, port)
    clients = [httpx2.Client(base_url=base, timeout=10) for _ in creds]
    sims = [
        SimDevice(c, device_id, token, None)
        for c, (device_id, token) in zip(clients, creds, strict=True)
    ]
    for n, sim in enumerate(sims):
        _record_all(sim, n)
    expected = [m for sim in sims for m in sim.outbox]

    try:
        until = time.monotonic() + 60
        flags = [threading.Event() for _ in sims]
        threads = [
            threading.Thread(target=_keep_pushing, args=(sim, flag, until))
            for sim, flag in zip(sims, flags, strict=True)
        ]
        for t in threads:
            t.start()
        # kill it once some, but not all, movements are in
        while sum(len(s.sent) for s in sims) < len(expected) // 4:
            time.sleep(0.01)
        server.send_signal(signal.SIGKILL)
        server.wait()
        in_flight = sum(len(s.outbox) for s in sims)
        assert 0 < in_flight < len(expected)
        time.sleep(0.3)
        server = start_server(db, port)
        for t in threads:
            t.join()
        for sim in sims:  # what was in flight, and everything ever sent, once more
            while sim.outbox:
                sim.push(sim.outbox[:100])
            for start in range(0, len(sim.sent), 200):
                body = sim.push_raw(sim.sent[start : start + 200]).json()
                assert all(r["replayed"] for r in body["results"])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        for c in clients:
            c.close()

    conn = sqlite3.connect(db)
    ids = Counter(
        row[0]
        for row in conn.execute(
            "SELECT m.id FROM movements m JOIN devices d ON d.id = m.device_id"
            " WHERE d.name LIKE 'scanner-%'"
        )
    )
    assert set(ids) == {m["id"] for m in expected}  # nothing lost
    assert set(ids.values()) == {1}  # nothing doubled
    entries = Counter(
        row[0]
        for row in conn.execute(
            "SELECT m.id FROM ledger l JOIN movements m ON m.server_seq = l.movement_seq"
            " JOIN devices d ON d.id = m.device_id WHERE d.name LIKE 'scanner-%'"
        )
    )
    assert set(entries.values()) == {2} and len(entries) == len(expected)  # posted once each
    last_seqs = {row[0] for row in conn.execute(
        "SELECT last_seq FROM devices WHERE name LIKE 'scanner-%'")}  # fmt: skip
    assert last_seqs == {MOVEMENTS_EACH}
    conn.close()
    verify = subprocess.run(
        cli("verify", "--db", str(db)), cwd=ROOT, capture_output=True, text=True, env=server_env()
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
