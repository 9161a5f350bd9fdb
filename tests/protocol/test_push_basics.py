"""Push: posting, replays, forks, reused ids, gaps — through the real app."""

from __future__ import annotations

import sqlite3
import threading

from checks import ledger_count, movement, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from sync.catalog import set_lot_status

CASE_BARCODE = "15901234123454"  # SKU-1's case of 12 (tests/conftest.py)


def test_a_pick_posts_once_and_reads_back(client: TestClient, sim: SimDevice) -> None:
    pick = sim.record("pick", "SKU-1", 5, from_="A-01", to="TOTE-1")
    body = sim.push()
    [result] = body["results"]
    assert result["outcome"] == "applied"
    assert result["replayed"] is False
    assert body["device_last_seq"] == 1
    assert body["stopped"] is None
    assert stock(client, sim, "SKU-1", "A-01") == 95
    assert stock(client, sim, "SKU-1", "TOTE-1") == 5
    stored = movement(client, sim, pick["id"])
    assert stored["outcome"] == "applied"
    assert stored["server_seq"] == result["server_seq"]
    assert stored["movement"]["qty"] == 5
    assert {(e["location"], e["qty"]) for e in stored["ledger"]} == {("A-01", -5), ("TOTE-1", 5)}


def test_a_case_barcode_counts_its_pack_quantity(client: TestClient, sim: SimDevice) -> None:
    sim.record("pick", CASE_BARCODE, 2, from_="A-01", to="TOTE-1")
    assert sim.push()["results"][0]["outcome"] == "applied"
    assert stock(client, sim, "SKU-1", "A-01") == 100 - 24


def test_location_barcodes_resolve_like_codes(client: TestClient, sim: SimDevice) -> None:
    sim.record("transfer", "SKU-1", 10, from_="LOC-A-01", to="LOC-A-02")
    assert sim.push()["results"][0]["outcome"] == "applied"
    assert stock(client, sim, "SKU-1", "A-02") == 10


def test_lost_response_then_resend_changes_nothing(
    client: TestClient, sim: SimDevice, warehouse: Store
) -> None:
    moves = [sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1") for _ in range(3)]
    moves.append(sim.record("pick", "SKU-1", 500, from_="A-01", to="TOTE-1"))  # flagged
    moves.append(sim.record("receive", "NO-SUCH-ITEM", 1, to="DOCK"))  # held
    moves.append(sim.record("pick", "SKU-1", 0, from_="A-01", to="TOTE-1"))  # rejected
    first = sim.push_raw(moves).json()  # the response is "lost": the device resends
    second = sim.push_raw(moves).json()
    assert [r["outcome"] for r in first["results"]] == [
        "applied", "applied", "applied", "flagged", "held", "rejected"]  # fmt: skip
    assert all(r["replayed"] for r in second["results"])
    for a, b in zip(first["results"], second["results"], strict=True):
        assert {**a, "replayed": True} == b
    assert second["device_last_seq"] == 6
    assert stock(client, sim, "SKU-1", "A-01") == 100 - 3 - 500
    assert [ledger_count(warehouse, m["id"]) for m in moves] == [2, 2, 2, 2, 0, 0]


def test_two_concurrent_pushes_from_one_device_post_once(
    client: TestClient, sim: SimDevice, warehouse: Store
) -> None:
    moves = [sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1") for _ in range(20)]
    answers: list[dict[str, object]] = []

    def send() -> None:
        answers.append(sim.push_raw(moves).json())

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 4
    assert sum(not r["replayed"] for a in answers for r in a["results"]) == 20  # type: ignore[attr-defined]
    assert stock(client, sim, "SKU-1", "A-01") == 80
    assert all(ledger_count(warehouse, m["id"]) == 2 for m in moves)


def test_same_id_with_other_content_is_rejected_id_reused(
    client: TestClient, sim: SimDevice
) -> None:
    first = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    sim.push()
    again = sim.record("pick", "SKU-1", 50, from_="A-01", to="TOTE-1")
    again["id"] = first["id"]
    [result] = sim.push()["results"]
    assert result["outcome"] == "rejected"
    assert result["code"] == "ID_REUSED"
    assert stock(client, sim, "SKU-1", "A-01") == 99
    assert movement(client, sim, first["id"])["movement"]["qty"] == 1
    # a replay of the reused seq answers the same
    [replay] = sim.push_raw([again]).json()["results"]
    assert (replay["code"], replay["replayed"]) == ("ID_REUSED", True)


def test_same_id_same_content_under_a_new_seq_is_a_resend(
    client: TestClient, sim: SimDevice
) -> None:
    first = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    sim.push()
    sim.seq += 1
    resent = {**first, "seq": sim.seq}
    [result] = sim.push_raw([resent]).json()["results"]
    assert result["replayed"] is True
    assert result["outcome"] == "applied"
    assert stock(client, sim, "SKU-1", "A-01") == 99


def test_same_seq_with_another_id_is_a_forked_device(client: TestClient, sim: SimDevice) -> None:
    first = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    sim.push()
    forked = {**first, "id": "3f8a9c1e-0000-4000-8000-000000000001"}
    fresh = sim.record("pick", "SKU-1", 7, from_="A-01", to="TOTE-1")
    res = sim.push_raw([forked, fresh])
    assert res.status_code == 409
    assert res.json()["error"] == "device_forked"
    assert stock(client, sim, "SKU-1", "A-01") == 99  # nothing of the request posted
    assert client.get(f"/api/movements/{fresh['id']}", headers=sim.headers).status_code == 404


def test_a_gap_stops_the_batch_and_keeps_what_came_before(
    client: TestClient, sim: SimDevice
) -> None:
    a = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    b = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    c = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    d = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    body = sim.push_raw([d, b, a]).json()  # out of order, and c is missing
    assert body["stopped"] == {"reason": "gap", "expected_seq": 3}
    assert body["device_last_seq"] == 2
    assert [r["seq"] for r in body["results"]] == [2, 1]  # request order, d not processed
    assert stock(client, sim, "SKU-1", "A-01") == 98
    body = sim.push_raw([c, d]).json()
    assert body["stopped"] is None and body["device_last_seq"] == 4
    assert stock(client, sim, "SKU-1", "A-01") == 96


def test_a_pick_of_stock_that_is_not_there_posts_flagged(
    client: TestClient, sim: SimDevice
) -> None:
    pick = sim.record("pick", "SKU-1", 130, from_="A-01", to="TOTE-1")
    [result] = sim.push()["results"]
    assert result["outcome"] == "flagged"
    assert [c["code"] for c in result["conflicts"]] == ["NEGATIVE_STOCK"]
    assert result["message"] == "A-01 would hold -30 of SKU-1"
    assert stock(client, sim, "SKU-1", "A-01") == -30
    stored = movement(client, sim, pick["id"])
    assert stored["conflicts"][0]["state"] == "open"


def test_unknown_item_and_location_are_held_not_posted(
    client: TestClient, sim: SimDevice, warehouse: Store
) -> None:
    unknown_item = sim.record("receive", "0000000000017", 5, to="DOCK")
    unknown_bin = sim.record("transfer", "SKU-1", 5, from_="A-01", to="Z-99")
    results = sim.push()["results"]
    assert [(r["outcome"], r["conflicts"][0]["code"]) for r in results] == [
        ("held", "UNKNOWN_ITEM"),
        ("held", "UNKNOWN_LOCATION"),
    ]
    assert stock(client, sim, "SKU-1", "A-01") == 100
    for m in (unknown_item, unknown_bin):
        assert movement(client, sim, m["id"])["state"] == "held"
        assert ledger_count(warehouse, m["id"]) == 0


def test_a_pick_from_a_lot_on_hold_is_flagged_lot_blocked(
    client: TestClient, sim: SimDevice, warehouse: Store
) -> None:
    sim.record("receive", "SKU-LOT", 10, to="A-02", lot="L-9", expiry="2027-01-31")
    sim.push()

    def recall(conn: sqlite3.Connection) -> None:
        item_id = conn.execute("SELECT id FROM items WHERE sku = 'SKU-LOT'").fetchone()[0]
        set_lot_status(conn, item_id, "L-9", "recalled")

    warehouse.transact(recall)
    sim.record("pick", "SKU-LOT", 2, from_="A-02", to="TOTE-1", lot="L-9")
    [result] = sim.push()["results"]
    assert result["outcome"] == "flagged"
    assert [c["code"] for c in result["conflicts"]] == ["LOT_BLOCKED"]
    assert result["message"] == "lot L-9 of SKU-LOT is recalled"
