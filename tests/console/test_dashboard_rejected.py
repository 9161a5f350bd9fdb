"""The dashboard lists the movements the server rejected: they post nothing and
open no conflict, so without it no supervisor learns that recorded work never
counted."""

from __future__ import annotations

from collections.abc import Callable

from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


def _rows(html: str) -> list[str]:
    return [row.split('"')[0] for row in html.split('<tr data-movement="')[1:]]


def test_rejected_movements_are_on_the_dashboard_newest_first(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    sim = make_sim("handheld-7", "picker")
    fine = sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    no_reason = sim.record("adjust", "SKU-1", 2, from_="A-01")
    virtual = sim.record("transfer", "SKU-2", 1, from_="A-01", to="SUPPLIER")
    old = sim.record("count", "SKU-2", -1, to="A-01")
    results = {r["id"]: r for r in sim.push()["results"]}
    assert [results[m["id"]]["outcome"] for m in (fine, no_reason, virtual, old)] == [
        "applied", "rejected", "rejected", "rejected"]  # fmt: skip
    # one of them long ago: out of the dashboard's 7 days
    store.write(lambda c: c.execute(
        "UPDATE movements SET received_at = '2026-01-01T00:00:00.000Z' WHERE id = ?", (old["id"],)
    ))  # fmt: skip

    rejected = client.get("/api/dashboard").json()["rejected"]
    assert (rejected["days"], rejected["count"]) == (7, 2)
    assert [
        (r["movement"], r["device"], r["user"], r["kind"], r["item"], r["code"])
        for r in rejected["recent"]
    ] == [
        (virtual["id"], "handheld-7", sim.user, "transfer", "SKU-2", "INVALID_FIELD"),
        (no_reason["id"], "handheld-7", sim.user, "adjust", "SKU-1", "MISSING_REASON"),
    ]
    assert rejected["recent"][0]["message"] == "to: SUPPLIER is not a real place"

    page = client.get("/console")
    assert page.status_code == 200, page.text
    assert "<strong>2</strong> rejected movements (7 days)" in page.text
    assert _rows(page.text) == [virtual["id"], no_reason["id"]]
    assert "INVALID_FIELD: to: SUPPLIER is not a real place" in page.text


def test_the_dashboard_shows_the_newest_twenty(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User
) -> None:
    sim = make_sim("handheld-8", "picker")
    made = [sim.record("count", "SKU-1", -n, to="A-01") for n in range(1, 23)]
    assert {r["outcome"] for r in sim.push()["results"]} == {"rejected"}
    rejected = client.get("/api/dashboard").json()["rejected"]
    assert rejected["count"] == 22
    assert [r["movement"] for r in rejected["recent"]] == [m["id"] for m in made[::-1][:20]]
    assert "The newest 20 of 22." in client.get("/console").text


def test_no_rejected_movement_says_none(client: TestClient, supervisor: User) -> None:
    page = client.get("/console")
    assert "<strong>0</strong> rejected movements (7 days)" in page.text
    assert _rows(page.text) == []
