"""Faults on the server: a movement that always fails, a locked or full database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from checks import movement, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store

# A real fault inside SQLite: the ledger refuses SKU-2 at bin A-03.
POISON = """
CREATE TRIGGER poison BEFORE INSERT ON ledger
WHEN NEW.item_id = (SELECT id FROM items WHERE sku = 'SKU-2')
 AND NEW.location_id = (SELECT id FROM locations WHERE code = 'A-03')
BEGIN SELECT RAISE(ABORT, 'injected fault'); END;
"""


def test_a_movement_that_fails_every_time_is_rejected_internal_after_retries(
    client: TestClient, sim: SimDevice, warehouse: Store, db_path: Path
) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.executescript(POISON)
    before = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    poison = sim.record("transfer", "SKU-2", 5, from_="A-01", to="A-03")
    after = sim.record("pick", "SKU-1", 2, from_="A-01", to="TOTE-1")
    moves = [before, poison, after]

    for attempt in (1, 2):
        body = sim.push_raw(moves).json()
        assert body["stopped"] == {"reason": "temporary", "retry_after_ms": 2000}, attempt
        assert body["device_last_seq"] == 1  # what came before is kept
        assert [r["seq"] for r in body["results"]] == [1]

    body = sim.push_raw(moves).json()
    assert body["stopped"] is None
    assert body["device_last_seq"] == 3
    outcomes = [(r["outcome"], r.get("code")) for r in body["results"]]
    assert outcomes == [("applied", None), ("rejected", "INTERNAL"), ("applied", None)]
    assert stock(client, sim, "SKU-1", "A-01") == 97
    assert stock(client, sim, "SKU-2", "A-01") == 50  # the poisoned transfer posted nothing
    stored = movement(client, sim, poison["id"])
    assert (stored["outcome"], stored["code"], stored["ledger"]) == ("rejected", "INTERNAL", [])


def test_a_locked_database_answers_503_and_posts_nothing(
    client: TestClient, sim: SimDevice, warehouse: Store, db_path: Path
) -> None:
    warehouse._writer.execute("PRAGMA busy_timeout = 50")
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        sim.record("pick", "SKU-1", 4, from_="A-01", to="TOTE-1")
        res = sim.push_raw(sim.outbox)
        assert res.status_code == 503
        assert res.json()["error"] == "temporary"
        assert int(res.headers["Retry-After"]) >= 1
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert stock(client, sim, "SKU-1", "A-01") == 100
    body = sim.push()  # the device simply retries
    assert body["results"][0]["outcome"] == "applied"
    assert stock(client, sim, "SKU-1", "A-01") == 96


def test_a_full_disk_mid_batch_answers_503_and_nothing_partial(
    client: TestClient, sim: SimDevice, warehouse: Store
) -> None:
    pages = warehouse._writer.execute("PRAGMA page_count").fetchone()[0]
    warehouse._writer.execute(f"PRAGMA max_page_count = {pages + 2}")
    for _ in range(400):
        sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1", note="x" * 500)
    res = sim.push_raw(sim.outbox)
    assert res.status_code == 503
    assert res.json()["error"] == "temporary"
    assert stock(client, sim, "SKU-1", "A-01") == 100
    devices = warehouse.read(
        lambda c: c.execute(
            "SELECT last_seq FROM devices WHERE id = ?", (sim.device_id,)
        ).fetchone()[0]
    )
    assert devices == 0
    warehouse._writer.execute("PRAGMA max_page_count = 1073741823")
    body = sim.push()
    assert body["device_last_seq"] == 400
    assert stock(client, sim, "SKU-1", "A-01") == -300
