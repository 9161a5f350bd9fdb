"""RMAs reach a returns clerk's device in pull (``changes.rmas``) and come
again when goods are received against them, so returns work offline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devicesim import SimDevice
from fulfilmentflow import packed_order, ship
from starlette.testclient import TestClient

from server.users import User

PASSWORD = "correct-horse-battery"


def _rmas(sim: SimDevice) -> list[dict[str, Any]]:
    return [r for page in sim.pull_all() for r in page["changes"]["rmas"]]


def test_open_rmas_reach_the_device_and_come_again_as_goods_arrive(
    client: TestClient,
    manager: User,
    scanner: Callable[[], SimDevice],
    make_user: Callable[..., User],
) -> None:
    order = packed_order(client, scanner(), "PR-1", ("SKU-1", 5), ("SKU-2", 2))
    ship(client, order["number"], "PULL-TRACK-1")
    clerk = make_user("counter")
    sim = SimDevice.register(client, username=clerk.username, password=PASSWORD)
    assert _rmas(sim) == []
    body = {"order": order["number"], "reason": "too big",
            "lines": [{"line": order["lines"][0]["line"], "qty": 2}]}  # fmt: skip
    rma = client.post("/api/rmas", json=body).json()["number"]
    [pulled] = _rmas(sim)
    assert {k: pulled[k] for k in ("number", "order", "status")} == {
        "number": rma, "order": order["number"], "status": "authorised"}  # fmt: skip
    assert [(x["line"], x["item"], x["qty"], x["received"]) for x in pulled["lines"]] == [
        (order["lines"][0]["line"], "SKU-1", 2, 0)
    ]
    assert _rmas(sim) == []  # nothing changed since
    # one unit comes back at the returns desk: the device hears of it
    client.post("/api/returns", json={"rma": rma, "lines": [
        {"item": "SKU-1", "qty": 1, "condition": "new", "disposition": "quarantine"}]})  # fmt: skip
    [again] = _rmas(sim)
    assert (again["status"], again["lines"][0]["received"]) == ("partly received", 1)
    # the other from a device: the RMA is received, and a fresh device no longer gets it
    ref = {"order_line": order["lines"][0]["line"], "task": None, "rma": rma, "count_task": None}
    sim.record("return", "SKU-1", 1, to="RET-1", ref=ref, condition="opened")
    assert sim.push()["results"][0]["outcome"] == "applied"
    [done] = _rmas(sim)
    assert (done["status"], done["lines"][0]["received"]) == ("received", 2)
    fresh = SimDevice.register(client, username=clerk.username, password=PASSWORD)
    assert _rmas(fresh) == []


def test_rmas_page_like_every_other_row(
    client: TestClient,
    manager: User,
    scanner: Callable[[], SimDevice],
    make_user: Callable[..., User],
) -> None:
    order = packed_order(client, scanner(), "PR-2", ("SKU-1", 5))
    ship(client, order["number"], "PULL-TRACK-2")
    line = order["lines"][0]["line"]
    made = [
        client.post("/api/rmas", json={"order": order["number"], "reason": "x",
                                       "lines": [{"line": line, "qty": 1}]}).json()["number"]
        for _ in range(3)
    ]  # fmt: skip
    clerk = make_user("picker")
    sim = SimDevice.register(client, username=clerk.username, password=PASSWORD)
    pages = sim.pull_all(limit=1)
    seen = [r["number"] for page in pages for r in page["changes"]["rmas"]]
    assert seen == made
    assert len(pages) > 3  # paged with the rest, one server_seq at a time
