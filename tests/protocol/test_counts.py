"""Counts are assertions placed in the movement order (protocol, "Counts")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from checks import movement, stock
from devicesim import SimDevice, utcnow
from starlette.testclient import TestClient


def test_the_worked_example_an_earlier_pick_arrives_after_the_count(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    a, b = make_sim("counter-a", "counter"), make_sim("picker-b")
    t = utcnow()
    pick = b.record("pick", "SKU-1", 5, from_="A-01", to="TOTE-1", at=t - timedelta(minutes=65))
    count = a.record("count", "SKU-1", 95, to="A-01", at=t - timedelta(minutes=60))
    [counted] = a.push()["results"]
    assert counted["outcome"] == "applied"
    assert stock(client, a, "SKU-1", "A-01") == 95  # adjust -5
    [picked] = b.push()["results"]
    assert picked["outcome"] == "applied"
    assert stock(client, a, "SKU-1", "A-01") == 95  # no phantom loss of 5
    assert stock(client, a, "SKU-1", "TOTE-1") == 5
    entries = movement(client, a, count["id"])["ledger"]
    at_bin = [(e["entry"], e["qty"], e["cause"]) for e in entries if e["location"] == "A-01"]
    assert at_bin == [("count", -5, None), ("readjust", 5, pick["id"])]


def test_a_count_uploaded_after_later_picks_counts_against_its_own_moment(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    a, b = make_sim("counter-a", "counter"), make_sim("picker-b")
    t = utcnow()
    a.record("count", "SKU-1", 100, to="A-01", at=t - timedelta(minutes=60))
    b.record("pick", "SKU-1", 5, from_="A-01", to="TOTE-1", at=t - timedelta(minutes=30))
    b.push()
    assert stock(client, a, "SKU-1", "A-01") == 95
    [counted] = a.push()["results"]
    assert counted["outcome"] == "applied"
    assert stock(client, a, "SKU-1", "A-01") == 95  # not reset to 100


def test_a_count_after_the_devices_own_movements_sees_them(
    client: TestClient, sim: SimDevice
) -> None:
    sim.record("pick", "SKU-1", 10, from_="A-01", to="TOTE-1")
    sim.record("count", "SKU-1", 88, to="A-01")
    _pick, count = sim.push()["results"]
    assert count["outcome"] == "applied"
    assert count["message"] == "count of SKU-1 at A-01: book 90, adjusted -2"
    assert stock(client, sim, "SKU-1", "A-01") == 88


def test_a_variance_beyond_tolerance_is_held(client: TestClient, sim: SimDevice) -> None:
    count = sim.record("count", "SKU-1", 60, to="A-01")
    [result] = sim.push()["results"]
    assert result["outcome"] == "held"
    assert [c["code"] for c in result["conflicts"]] == ["COUNT_VARIANCE"]
    assert stock(client, sim, "SKU-1", "A-01") == 100
    assert movement(client, sim, count["id"])["ledger"] == []


def test_a_count_of_zero_variance_posts_an_anchor(client: TestClient, sim: SimDevice) -> None:
    count = sim.record("count", "SKU-1", 100, to="A-01")
    assert sim.push()["results"][0]["outcome"] == "applied"
    [entry] = movement(client, sim, count["id"])["ledger"]
    assert (entry["location"], entry["qty"], entry["entry"]) == ("A-01", 0, "count")


def test_another_devices_movement_inside_the_clock_window_makes_it_ambiguous(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    a, b = make_sim("counter-a", "counter"), make_sim("picker-b")
    t = utcnow() - timedelta(minutes=10)
    b.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1", at=t + timedelta(seconds=20))
    b.push()
    a.record("count", "SKU-1", 100, to="A-01", at=t)
    [result] = a.push()["results"]
    assert result["outcome"] == "held"
    assert result["conflicts"][0]["code"] == "COUNT_AMBIGUOUS"
    assert stock(client, a, "SKU-1", "A-01") == 97


def test_a_movement_the_counter_had_pulled_is_not_ambiguous(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    a, b = make_sim("counter-a", "counter"), make_sim("picker-b")
    b.record("pick", "SKU-1", 3, from_="A-01", to="TOTE-1")
    b.push()
    a.pull_all()  # a now knows the pick: its basis places the count after it
    a.record("count", "SKU-1", 97, to="A-01")
    [result] = a.push()["results"]
    assert result["outcome"] == "applied"
    assert stock(client, a, "SKU-1", "A-01") == 97


def test_two_counts_that_disagree_hold_the_second(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    a, c = make_sim("counter-a", "counter"), make_sim("counter-c", "counter")
    t = utcnow()
    a.record("count", "SKU-1", 98, to="A-01", at=t - timedelta(minutes=20))
    assert a.push()["results"][0]["outcome"] == "applied"
    c.pull_all()
    c.record("count", "SKU-1", 96, to="A-01", at=t - timedelta(minutes=10))
    [result] = c.push()["results"]
    assert result["outcome"] == "held"
    assert result["conflicts"][0]["code"] == "COUNT_DISAGREEMENT"
    assert "recount" in result["message"]
    assert stock(client, a, "SKU-1", "A-01") == 98


def test_a_late_count_that_disagrees_with_a_later_one_is_held(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    a, c = make_sim("counter-a", "counter"), make_sim("counter-c", "counter")
    t = utcnow()
    early = a.record("count", "SKU-1", 98, to="A-01", at=t - timedelta(minutes=20))
    c.record("count", "SKU-1", 96, to="A-01", at=t - timedelta(minutes=10))
    c.push()
    assert stock(client, a, "SKU-1", "A-01") == 96
    [result] = a.push()["results"]
    assert result["outcome"] == "held"
    assert result["conflicts"][0]["code"] == "COUNT_DISAGREEMENT"
    assert movement(client, a, early["id"])["ledger"] == []
    assert stock(client, a, "SKU-1", "A-01") == 96


def test_a_late_count_that_agrees_with_a_later_one_is_absorbed(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    a, c = make_sim("counter-a", "counter"), make_sim("counter-c", "counter")
    t = utcnow()
    a.record("count", "SKU-1", 97, to="A-01", at=t - timedelta(minutes=20))
    c.record("count", "SKU-1", 97, to="A-01", at=t - timedelta(minutes=10))
    c.push()
    [result] = a.push()["results"]
    assert result["outcome"] == "applied"
    assert stock(client, a, "SKU-1", "A-01") == 97


def test_two_counts_in_one_batch_before_a_posted_count_see_the_first_ones_readjustment(
    client: TestClient, make_sim: Callable[..., SimDevice]
) -> None:
    # B counts 97 and syncs first; A counted the same bin twice before that, offline.
    # A's first count takes the -3 and B's count is re-adjusted +3 at its place; the
    # second count, placed between them, finds the book at 97: nothing to adjust.
    a, b = make_sim("counter-a", "counter"), make_sim("counter-b", "counter")
    t = utcnow()
    b.record("count", "SKU-1", 97, to="A-01", at=t - timedelta(minutes=10))
    assert b.push()["results"][0]["outcome"] == "applied"
    first = a.record("count", "SKU-1", 97, to="A-01", at=t - timedelta(minutes=40))
    second = a.record("count", "SKU-1", 97, to="A-01", at=t - timedelta(minutes=30))
    one, two = a.push()["results"]
    assert (one["outcome"], one["message"]) == (
        "applied",
        "count of SKU-1 at A-01: book 100, adjusted -3",
    )
    assert (two["outcome"], two["message"]) == ("applied", None)
    assert stock(client, a, "SKU-1", "A-01") == 97
    at_bin = [
        (e["entry"], e["qty"])
        for e in movement(client, a, first["id"])["ledger"]
        if e["location"] == "A-01"
    ]
    assert at_bin == [("count", -3), ("readjust", 3)]
    assert [(e["entry"], e["qty"]) for e in movement(client, a, second["id"])["ledger"]] == [
        ("count", 0)
    ]
