"""Returns received on a device: the return and its disposition's movement,
both naming the RMA, show on the RMA as the returns desk's receipts do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devicesim import SimDevice
from fulfilmentflow import on_hand, packed_order, ship
from starlette.testclient import TestClient

from server.users import User


def test_a_devices_dispositions_are_kept_with_its_receipts(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    order = packed_order(client, scanner(), "DR-1", ("SKU-1", 5))
    ship(client, order["number"], "DEV-RET-1")
    line = order["lines"][0]["line"]
    body = {"order": order["number"], "reason": "x", "lines": [{"line": line, "qty": 4}]}
    rma = client.post("/api/rmas", json=body).json()["number"]
    sim, other = scanner(), scanner()
    ref: dict[str, Any] = {"order_line": line, "task": None, "rma": rma, "count_task": None}
    then = {**ref, "order_line": None}
    sim.record("return", "SKU-1", 1, to="RET-1", ref=ref, condition="opened")
    sim.record("putaway", "SKU-1", 1, from_="RET-1", to="A-02", ref=then)
    sim.record("return", "SKU-1", 2, to="RET-1", ref=ref, condition="damaged")
    assert {r["outcome"] for r in sim.push()["results"]} == {"applied"}
    # another device: its scrap is its own receipt's; its transfer has no receipt
    # of its own left, and never takes this device's
    other.record("return", "SKU-1", 1, to="RET-1", ref=ref, condition="new")
    other.record("scrap", "SKU-1", 1, from_="RET-1", ref=then, reason="returned new")
    other.record("transfer", "SKU-1", 1, from_="RET-1", to="A-03", ref=then)
    other.push()
    sim.record("transfer", "SKU-1", 2, from_="RET-1", to="QUAR-1", ref=then)
    sim.record("return", "SKU-1", 1, to="RET-1", ref=ref, condition="defective")
    sim.record("scrap", "SKU-1", 1, from_="RET-1", ref=then, reason="returned defective")
    sim.push()
    got = client.get(f"/api/rmas/{rma}").json()
    receipts = [
        (r["qty"], r["condition"], r["disposition"], r["location"]) for r in got["receipts"]
    ]
    assert receipts == [
        (1, "opened", "restock", "A-02"),
        (2, "damaged", "quarantine", "QUAR-1"),
        (1, "new", "scrap", "RET-1"),
        (1, "defective", "scrap", "RET-1"),
    ]
    assert got["status"] == "received"
    assert on_hand(client, "SKU-1", "QUAR-1") == 2


def test_a_return_with_a_condition_no_grade_names_is_rejected_and_posts_nothing(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    sim = scanner()
    before = on_hand(client, "SKU-1", "RET-1")
    sim.record("return", "SKU-1", 1, to="RET-1", condition="smashed")
    [result] = sim.push()["results"]
    assert (result["outcome"], result["code"]) == ("rejected", "INVALID_FIELD")
    assert result["message"] == "condition: one of new, opened, damaged, defective"
    assert on_hand(client, "SKU-1", "RET-1") == before
