"""Picks that name an order line: counted against it, using up its reservations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


@pytest.fixture
def scanner(client: TestClient, make_device: Callable[..., Any]) -> Callable[[], SimDevice]:
    def make() -> SimDevice:
        creds = make_device()
        return SimDevice(client, creds.device_id, creds.token, creds.epoch, user="pia")

    return make


def _pick(sim: SimDevice, line: str, qty: int) -> dict[str, Any]:
    ref = {"order_line": line, "task": None, "rma": None, "count_task": None}
    return sim.record("pick", "SKU-1", qty, from_="A-01", to="TOTE-1", ref=ref)


def test_picks_fill_the_line_and_move_the_order_along(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    made = client.post("/api/orders", json=order("P-1", ("SKU-1", 30))).json()
    line = made["lines"][0]["line"]
    sim = scanner()
    _pick(sim, line, 10)
    assert sim.push()["results"][0]["outcome"] == "applied"
    now = client.get(f"/api/orders/{made['number']}").json()
    assert (now["status"], now["lines"][0]["reserved"]) == ("picking", 20)
    _pick(sim, line, 20)
    sim.push()
    now = client.get(f"/api/orders/{made['number']}").json()
    assert (now["status"], now["lines"][0]["reserved"]) == ("picked", 0)
    assert [(h["to"], h["by"]) for h in now["history"]][-2:] == [("picking", "pia"),
                                                                 ("picked", "pia")]  # fmt: skip
    # the picked units are gone from the bin and no longer promised: 70 are free
    other = client.post("/api/orders", json=order("P-2", ("SKU-1", 70))).json()
    assert other["status"] == "allocated"


def test_two_devices_picking_the_same_line_offline_both_post_the_second_flagged(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    made = client.post("/api/orders", json=order("P-3", ("SKU-1", 30))).json()
    line = made["lines"][0]["line"]
    ana, bob = scanner(), scanner()
    _pick(ana, line, 30)
    _pick(bob, line, 30)
    assert ana.push()["results"][0]["outcome"] == "applied"
    [second] = bob.push()["results"]
    assert second["outcome"] == "flagged"
    assert [c["code"] for c in second["conflicts"]] == ["OVERPICK"]
    assert second["message"] == f"{line}: 60 picked of 30 ordered"
    res = client.get("/api/stock", params={"item": "SKU-1", "location": "TOTE-1"})
    assert res.json()["stock"][0]["on_hand"] == 60  # the extra 30 wait in staging


def test_a_pick_for_a_cancelled_order_is_flagged_order_closed(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    made = client.post("/api/orders", json=order("P-4", ("SKU-1", 5))).json()
    sim = scanner()
    _pick(sim, made["lines"][0]["line"], 5)  # recorded offline, before the cancel
    client.post(f"/api/orders/{made['number']}/cancel", json={"reason": "customer"})
    [result] = sim.push()["results"]
    assert result["outcome"] == "flagged"
    assert [c["code"] for c in result["conflicts"]] == ["ORDER_CLOSED"]
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "cancelled"
