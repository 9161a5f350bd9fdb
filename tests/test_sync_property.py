"""Property: whatever the interleaving, duplicates, resends and lost responses,
every movement posts exactly once, stock equals the ledger, and deltas converge.

Several simulated devices record random movements offline, then upload them
through the real app in an order hypothesis chooses: pushes of part of the
outbox, responses lost on the way back (the device resends), stale batches
replayed, and everything pushed twice at the end.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from devicesim import SimDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from sync.catalog import add_item, add_location, add_warehouse
from sync.db import connect
from sync.devices import register_device
from sync.verify import verify

ITEMS = ["SKU-1", "SKU-2"]
BINS = ["A-01", "A-02", "A-03"]

movement_st = st.one_of(
    st.builds(lambda i, q: ("receive", i, q, None, "DOCK"), st.sampled_from(ITEMS),
              st.integers(1, 9)),
    st.builds(lambda i, q, b: ("putaway", i, q, "DOCK", b), st.sampled_from(ITEMS),
              st.integers(1, 9), st.sampled_from(BINS)),
    st.builds(lambda i, q, b: ("pick", i, q, b, "TOTE-1"), st.sampled_from(ITEMS),
              st.integers(1, 9), st.sampled_from(BINS)),
    st.builds(lambda i, q, a, b: ("transfer", i, q, a, b), st.sampled_from(ITEMS),
              st.integers(1, 9), st.sampled_from(BINS), st.sampled_from(BINS)),
)  # fmt: skip

# One step of the upload schedule: (device index, how many to push, what goes wrong)
step_st = st.tuples(
    st.integers(0, 2), st.integers(1, 6), st.sampled_from(["ok", "lost", "stale", "twice"])
)


def _seed(conn: sqlite3.Connection) -> None:
    add_warehouse(conn, "MAIN", "Main")
    add_location(conn, "DOCK", "receiving", warehouse="MAIN")
    for code in BINS:
        add_location(conn, code, "pick", warehouse="MAIN")
    add_location(conn, "TOTE-1", "staging", warehouse="MAIN")
    for sku in ITEMS:
        add_item(conn, sku, sku)


def _run(
    histories: list[list[tuple[str, str, int, str | None, str]]],
    schedule: list[tuple[int, int, str]],
) -> tuple[dict[tuple[str, str], int], Counter[str], list[str], int]:
    """Upload the histories in the schedule's order; return the stock and checks."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "p.db"
        app = create_app(Settings.from_env({}, db=db))
        with TestClient(app) as client:
            store = app.state.store
            store.transact(_seed)

            def register(conn: sqlite3.Connection, n: int) -> Any:
                return register_device(conn, name=f"d{n}", username="u")

            sims = []
            for n, history in enumerate(histories):
                reg = store.transact(register, n)
                sim = SimDevice(client, reg.device_id, reg.token, reg.epoch, user=f"user{n}")
                for kind, item, qty, src, dst in history:
                    sim.record(kind, item, qty, from_=src, to=dst)
                sims.append(sim)
            stale: list[tuple[SimDevice, list[dict[str, Any]]]] = []
            for who, size, trouble in schedule:
                sim = sims[who % len(sims)]
                batch = sim.outbox[:size]
                if not batch:
                    continue
                if trouble == "lost":
                    assert sim.push_raw(batch).status_code == 200  # answer never arrives
                elif trouble == "twice":
                    sim.push_raw(batch)
                    sim.push(batch)
                else:
                    sim.push(batch)
                stale.append((sim, batch))
                if trouble == "stale" and stale:
                    old_sim, old_batch = stale[0]
                    body = old_sim.push_raw(old_batch).json()
                    assert all(r["replayed"] for r in body["results"])
            for sim in sims:  # everyone comes back online and flushes, then resends it all
                sim.push()
                body = sim.push_raw(sim.sent).json() if sim.sent else {"results": []}
                assert all(r["replayed"] for r in body["results"])
                assert sim.outbox == []
        conn = sqlite3.connect(db)
        stock = {
            (sku, code): on_hand
            for sku, code, on_hand in conn.execute(
                "SELECT i.sku, l.code, s.on_hand FROM stock s JOIN items i ON i.id = s.item_id"
                " JOIN locations l ON l.id = s.location_id"
                " WHERE s.on_hand != 0 AND l.kind != 'virtual'"
            )
        }
        entries = Counter(
            mid for (mid,) in conn.execute(
                "SELECT m.id FROM ledger l JOIN movements m ON m.server_seq = l.movement_seq"
                " JOIN devices d ON d.id = m.device_id WHERE d.name != 'server'"
            )
        )  # fmt: skip
        stored = conn.execute(
            "SELECT count(*) FROM movements m JOIN devices d ON d.id = m.device_id"
            " WHERE d.name != 'server'"
        ).fetchone()[0]
        conn.close()
        checked = connect(db)
        problems = verify(checked)
        checked.close()
        return stock, entries, problems, stored


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    histories=st.lists(st.lists(movement_st, min_size=1, max_size=12), min_size=2, max_size=3),
    schedule_a=st.lists(step_st, max_size=15),
    schedule_b=st.lists(step_st, max_size=15),
)
def test_exactly_once_and_convergence(
    histories: list[list[tuple[str, str, int, str | None, str]]],
    schedule_a: list[tuple[int, int, str]],
    schedule_b: list[tuple[int, int, str]],
) -> None:
    total = sum(len(h) for h in histories)
    stock_a, entries_a, problems_a, stored_a = _run(histories, schedule_a)
    stock_b, entries_b, problems_b, stored_b = _run(histories, schedule_b)
    for entries, problems, stored in (
        (entries_a, problems_a, stored_a),
        (entries_b, problems_b, stored_b),
    ):
        assert problems == []  # stock equals the ledger, the ledger balances
        assert stored == total  # nothing lost
        assert len(entries) == total and set(entries.values()) == {2}  # each posted once
    assert stock_a == stock_b  # deltas converge whatever the interleaving
    expected: Counter[tuple[str, str]] = Counter()
    for history in histories:
        for _, item, qty, src, dst in history:
            if src is not None:
                expected[(item, src)] -= qty
            expected[(item, dst)] += qty
    assert stock_a == {k: v for k, v in expected.items() if v != 0}
