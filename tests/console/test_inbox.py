"""The inbox: every open conflict, filtered by each field, sorted, and in detail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from devicesim import SimDevice, iso, utcnow
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


def _codes(client: TestClient, **query: str) -> list[str]:
    res = client.get("/api/conflicts", params=query)
    assert res.status_code == 200, res.text
    return [r["code"] for r in res.json()["conflicts"]]


def test_filters_by_code_item_location_device_user_and_age(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    a, b = make_sim("alpha", "picker"), make_sim("bravo", "counter")
    a.record("pick", "SKU-1", 500, from_="A-01", to="TOTE-1")  # NEGATIVE_STOCK
    a.push()
    b.record("count", "SKU-2", 10, to="A-01")  # COUNT_VARIANCE, held
    b.record("receive", "NOPE", 1, to="DOCK")  # UNKNOWN_ITEM, held
    b.push()
    assert sorted(_codes(client)) == ["COUNT_VARIANCE", "NEGATIVE_STOCK", "UNKNOWN_ITEM"]
    assert _codes(client, code="NEGATIVE_STOCK") == ["NEGATIVE_STOCK"]
    assert _codes(client, item="SKU-2") == ["COUNT_VARIANCE"]
    assert _codes(client, location="DOCK") == []  # an unknown item names no location row
    assert sorted(_codes(client, location="A-01")) == ["COUNT_VARIANCE", "NEGATIVE_STOCK"]
    assert _codes(client, device="alpha") == ["NEGATIVE_STOCK"]
    assert _codes(client, device=b.device_id, sort="oldest") == ["COUNT_VARIANCE", "UNKNOWN_ITEM"]
    assert _codes(client, user=a.user) == ["NEGATIVE_STOCK"]
    assert _codes(client, older_than_minutes="30") == []
    an_hour_ago = iso(utcnow() - timedelta(hours=1))
    store.write(
        lambda c: c.execute(
            "UPDATE conflicts SET created_at = ? WHERE code = 'UNKNOWN_ITEM'", (an_hour_ago,)
        )
    )
    assert _codes(client, older_than_minutes="30") == ["UNKNOWN_ITEM"]
    bad = client.get("/api/conflicts", params={"state": "maybe", "limit": "0",
                                               "older_than_minutes": "-5"})  # fmt: skip
    assert bad.status_code == 400 and len(bad.json()["errors"]) == 3


def test_held_first_then_value_at_stake_then_oldest(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    store.write(lambda c: c.execute("UPDATE items SET unit_cost = 1.0 WHERE sku = 'SKU-1'"))
    store.write(lambda c: c.execute("UPDATE items SET unit_cost = 9.0 WHERE sku = 'SKU-2'"))
    sim = make_sim()
    sim.record("pick", "SKU-2", 60, from_="A-01", to="TOTE-1")  # flagged, 60 × 9 = 540
    sim.record("count", "SKU-1", 70, to="A-01")  # held, 30 × 1 = 30
    sim.record("count", "SKU-1", 5, to="A-02")  # held, 5 × 1 = 5
    sim.push()
    rows = client.get("/api/conflicts").json()["conflicts"]
    assert [(r["code"], r["location"], r["held"], r["value_at_stake"]) for r in rows] == [
        ("COUNT_VARIANCE", "A-01", True, 30.0),
        ("COUNT_VARIANCE", "A-02", True, 5.0),
        ("NEGATIVE_STOCK", "A-01", False, 540.0),
    ]
    oldest = client.get("/api/conflicts", params={"sort": "oldest"}).json()["conflicts"]
    assert oldest[0]["code"] == "NEGATIVE_STOCK"


def test_detail_shows_the_movement_its_basis_the_ledger_around_it_and_stock(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User
) -> None:
    a, b = make_sim("alpha", "picker"), make_sim("bravo", "picker")
    b.record("pick", "SKU-1", 30, from_="A-01", to="TOTE-1")
    b.push()  # a has not pulled this
    pick = a.record("pick", "SKU-1", 80, from_="A-01", to="TOTE-1")
    a.push()
    [row] = client.get("/api/conflicts").json()["conflicts"]
    detail = client.get(f"/api/conflicts/{row['id']}").json()
    assert detail["movement"] == pick["id"] and detail["code"] == "NEGATIVE_STOCK"
    assert detail["movement_detail"]["movement"]["qty"] == 80
    assert detail["basis"]["unseen_before_it"] == 1  # b's pick came in after a's basis
    assert detail["stock"] == {"before": 70, "after": -10, "now": -10}
    ledger = [(e["entry"], e["qty"], e["balance"], e["this"]) for e in detail["ledger"]]
    assert ledger[-2:] == [("pick", -30, 70, False), ("pick", -80, -10, True)]
    assert ledger[0][0] == "putaway" and ledger[0][2] == 100
    assert client.get("/api/conflicts/c-999").status_code == 404
    assert client.get("/api/conflicts/nonsense").status_code == 400
