"""Mapping an unknown barcode or location: the held movement itself posts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from consolecalls import only_conflict, resolve, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.verify import verify

NEW_LABEL = "2000000000015"


def _results(sim: SimDevice) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for page in sim.pull_all() for r in page["changes"]["results"]}


def _barcodes(store: Store, code: str) -> int:
    query = "SELECT count(*) FROM item_barcodes WHERE code = ?"
    return int(store.read(lambda c: c.execute(query, (code,)).fetchone()[0]))


def _movement_count(store: Store) -> int:
    return int(store.read(lambda c: c.execute("SELECT count(*) FROM movements").fetchone()[0]))


def test_map_an_unknown_barcode_posts_the_held_movement_itself(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    received = sim.record("receive", NEW_LABEL, 7, to="DOCK")
    [held] = sim.push()["results"]
    assert (held["outcome"], held["code"]) == ("held", "UNKNOWN_ITEM")
    row = only_conflict(client, code="UNKNOWN_ITEM")
    refused = resolve(client, row["id"], action="accept", reason="fine")
    assert refused.status_code == 400 and "map" in refused.json()["message"]
    movements_before = _movement_count(store)

    done = resolve(client, row["id"], action="map", reason="new label", item="SKU-2")
    assert done.status_code == 201, done.text
    body = done.json()
    assert body["mapped"] == {"barcode": NEW_LABEL, "item": "SKU-2", "pack_qty": 1}
    assert (body["movement"], body["movement_state"], body["posted"]) == (
        received["id"],
        "applied",
        [],
    )
    assert _movement_count(store) == movements_before  # no server copy
    assert stock(client, "SKU-2", "DOCK") == 7
    # the conflict's page shows the dock's stock, not the SUPPLIER it came from
    detail = client.get(f"/api/conflicts/{row['id']}").json()
    assert detail["stock"]["now"] == 7

    shown = client.get(f"/api/movements/{received['id']}").json()
    assert (shown["device_id"], shown["seq"], shown["state"]) == (sim.device_id, 1, "applied")
    assert [(e["entry"], e["item"], e["location"], e["qty"]) for e in shown["ledger"]] == [
        ("receive", "SKU-2", "SUPPLIER", -7),
        ("receive", "SKU-2", "DOCK", 7),
    ]
    result = _results(sim)[received["id"]]
    assert result["outcome"] == "applied"
    assert result["conflicts"] == [{"id": row["id"], "code": "UNKNOWN_ITEM", "state": "resolved"}]
    assert [(r["action"], r["reason"]) for r in result["resolutions"]] == [("map", "new label")]
    # later scans of the code resolve
    sim.record("receive", NEW_LABEL, 3, to="DOCK")
    assert sim.push()["results"][0]["outcome"] == "applied"
    assert stock(client, "SKU-2", "DOCK") == 10
    # a resent push of the held movement replays what was first answered
    [again] = sim.push([received])["results"]
    assert (again["replayed"], again["outcome"]) == (True, "held")
    assert stock(client, "SKU-2", "DOCK") == 10
    assert store.read(verify) == []


def test_the_device_pulls_the_new_barcode_with_its_item(
    client: TestClient, sim: SimDevice, supervisor: User
) -> None:
    sim.record("receive", NEW_LABEL, 2, to="DOCK")
    sim.push()
    row = only_conflict(client, code="UNKNOWN_ITEM")
    assert resolve(client, row["id"], action="map", reason="case label", item="SKU-1",
                   pack_qty=6).status_code == 201  # fmt: skip
    items = {i["sku"]: i for page in sim.pull_all() for i in page["changes"]["items"]}
    assert {"code": NEW_LABEL, "pack_qty": 6} in items["SKU-1"]["barcodes"]
    assert stock(client, "SKU-1", "DOCK") == 12  # two cases of six


def test_every_movement_held_for_the_same_code_posts_by_the_same_mapping(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    ana, bob = make_sim("ana"), make_sim("bob")
    first = ana.record("receive", NEW_LABEL, 5, to="DOCK")
    ana.push()
    second = bob.record("receive", NEW_LABEL, 4, to="DOCK")
    bob.push()
    other = bob.record("receive", "2000000000022", 1, to="DOCK")  # another unknown code
    bob.push()
    conflicts = client.get("/api/conflicts", params={"sort": "oldest"}).json()["conflicts"]
    assert [c["code"] for c in conflicts] == ["UNKNOWN_ITEM"] * 3
    detail = client.get(f"/api/conflicts/{conflicts[0]['id']}").json()
    assert [h["movement"] for h in detail["same_name_held"]] == [second["id"]]
    page = client.get(f"/console/conflicts/{conflicts[0]['id']}").text
    assert "1 other movement held for the same unknown name: a map posts it too" in page

    done = resolve(client, conflicts[0]["id"], action="map", reason="new label", item="SKU-2",
                   id="map-00000001")  # fmt: skip
    assert done.status_code == 201, done.text
    [also] = done.json()["also_mapped"]
    assert (also["movement"], also["state"], also["resolution"]) == (
        second["id"],
        "applied",
        f"map-00000001:{conflicts[1]['id']}",
    )
    assert stock(client, "SKU-2", "DOCK") == 9
    assert _results(ana)[first["id"]]["outcome"] == "applied"
    bobs = _results(bob)
    assert bobs[second["id"]]["outcome"] == "applied"
    [resolution] = bobs[second["id"]]["resolutions"]
    assert (resolution["id"], resolution["action"], resolution["by"]) == (
        also["resolution"],
        "map",
        supervisor.username,
    )
    assert bobs[other["id"]]["outcome"] == "held"  # not the same code: still waiting
    [left] = client.get("/api/conflicts").json()["conflicts"]
    assert left["movement"] == other["id"]
    # the same resolution id again replays, and posts nothing twice
    again = resolve(client, conflicts[0]["id"], action="map", reason="new label", item="SKU-2",
                    id="map-00000001")  # fmt: skip
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert stock(client, "SKU-2", "DOCK") == 9
    assert store.read(verify) == []


def test_map_an_unknown_location_posts_it_and_later_scans_resolve(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    moved = sim.record("transfer", "SKU-1", 4, from_="A-01", to="LZ9999")
    assert sim.push()["results"][0]["code"] == "UNKNOWN_LOCATION"
    row = only_conflict(client)
    before = {loc["code"] for p in sim.pull_all() for loc in p["changes"]["locations"]}
    assert "A-03" not in before  # the device's copy of it is up to date
    done = resolve(client, row["id"], action="map", reason="old label", location="A-03")
    assert done.status_code == 201, done.text
    assert done.json()["mapped"] == {"location": "LZ9999", "as": "A-03", "kept_as": "alias"}
    # devices get the location again, with the code it answers to, to resolve it offline
    pages = sim.pull_all()
    changed = {loc["code"]: loc for p in pages for loc in p["changes"]["locations"]}
    assert changed["A-03"]["aliases"] == ["LZ9999"]
    assert changed["A-03"]["barcode"] not in (None, "LZ9999")  # its own barcode stays
    assert done.json()["movement_state"] == "applied"
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-1", "A-03")) == (96, 4)
    results = {r["id"]: r for p in pages for r in p["changes"]["results"]}
    assert results[moved["id"]]["outcome"] == "applied"
    sim.record("transfer", "SKU-1", 1, from_="A-01", to="LZ9999")
    assert sim.push()["results"][0]["outcome"] == "applied"
    assert stock(client, "SKU-1", "LZ9999") == 5  # the code reads as A-03
    assert stock(client, "SKU-1", "A-03") == 5
    assert store.read(verify) == []


def test_a_location_without_a_barcode_takes_the_code_devices_pull(
    client: TestClient, sim: SimDevice, supervisor: User
) -> None:
    sim.record("transfer", "SKU-1", 2, from_="A-01", to="T1-OLD")
    sim.push()
    row = only_conflict(client)
    done = resolve(client, row["id"], action="map", reason="old tote label", location="TOTE-1")
    assert done.json()["mapped"]["kept_as"] == "barcode"
    locations = {loc["code"]: loc for p in sim.pull_all() for loc in p["changes"]["locations"]}
    assert locations["TOTE-1"]["barcode"] == "T1-OLD"


def test_a_mapped_count_is_placed_where_it_was_counted_and_can_be_held_again(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    counter, picker = make_sim("counter"), make_sim("picker", "picker")
    an_hour_ago = counter.now() - timedelta(hours=1)  # well before the pick
    count = counter.record("count", NEW_LABEL, 50, to="A-01", at=an_hour_ago)  # SKU-2's 50
    counter.push()
    picker.pull_all()
    picker.record("pick", "SKU-2", 10, from_="A-01", to="TOTE-1")
    picker.push()
    row = only_conflict(client, code="UNKNOWN_ITEM")
    done = resolve(client, row["id"], action="map", reason="washer bag", item="SKU-2")
    assert done.status_code == 201, done.text
    # at its place (before the pick) the bin held 50: no variance, the pick applies on top
    assert done.json()["movement_state"] == "applied"
    assert stock(client, "SKU-2", "A-01") == 40
    # a count that, once mapped, disagrees with the one just posted is held for
    # that, as a new conflict
    assert _results(counter)[count["id"]]["outcome"] == "applied"
    counter.record("count", "2000000000039", 5, to="A-01")
    counter.push()
    row = only_conflict(client, code="UNKNOWN_ITEM")
    done = resolve(client, row["id"], action="map", reason="washer box", item="SKU-2")
    assert done.json()["movement_state"] == "held"
    [new] = done.json()["new_conflicts"]
    assert new["code"] == "COUNT_DISAGREEMENT"
    assert only_conflict(client)["id"] == new["id"]
    assert stock(client, "SKU-2", "A-01") == 40
    assert store.read(verify) == []


def test_map_to_a_lot_tracked_item_without_a_lot_is_refused_and_changes_nothing(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    sim.record("receive", NEW_LABEL, 3, to="DOCK")
    sim.push()
    row = only_conflict(client)
    refused = resolve(client, row["id"], action="map", reason="glue", item="SKU-LOT")
    assert refused.status_code == 400 and "lot" in refused.json()["message"]
    assert only_conflict(client)["id"] == row["id"]
    assert _barcodes(store, NEW_LABEL) == 0
    # and the catalog did not keep it either: the next scan is still unknown
    sim.record("receive", NEW_LABEL, 1, to="DOCK")
    assert sim.push()["results"][0]["outcome"] == "held"


def test_a_mapped_movement_that_goes_negative_is_flagged_and_can_be_voided(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    moved = sim.record("transfer", "SKU-1", 150, from_="A-01", to="LZ-OLD")  # 100 there
    sim.push()
    row = only_conflict(client)
    done = resolve(client, row["id"], action="map", reason="old label", location="A-04")
    assert done.json()["movement_state"] == "flagged"
    [negative] = done.json()["new_conflicts"]
    assert negative["code"] == "NEGATIVE_STOCK"
    assert only_conflict(client)["id"] == negative["id"]  # raised by the mapping: still open
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-1", "A-04")) == (-50, 150)
    voided = resolve(client, negative["id"], action="void", reason="it was 15, not 150")
    assert voided.status_code == 201, voided.text
    assert (stock(client, "SKU-1", "A-01"), stock(client, "SKU-1", "A-04")) == (100, 0)
    ledger = client.get(f"/api/movements/{moved['id']}").json()["ledger"]
    assert sorted((e["entry"], e["location"], e["qty"]) for e in ledger) == [
        ("transfer", "A-01", -150),
        ("transfer", "A-04", 150),
        ("void", "A-01", 150),
        ("void", "A-04", -150),
    ]
    assert _results(sim)[moved["id"]]["outcome"] == "voided"
    assert store.read(verify) == []


def test_another_held_movement_that_cannot_post_by_the_mapping_stays_open(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    with_lot = sim.record("receive", NEW_LABEL, 3, to="DOCK", lot="L-9")
    without = sim.record("receive", NEW_LABEL, 2, to="DOCK")  # a lot-tracked item needs one
    sim.push()
    first, second = client.get("/api/conflicts", params={"sort": "oldest"}).json()["conflicts"]
    assert first["movement"] == with_lot["id"]
    done = resolve(client, first["id"], action="map", reason="glue", item="SKU-LOT")
    assert done.status_code == 201, done.text
    assert done.json()["also_mapped"] == []
    [left] = done.json()["not_mapped"]
    assert (left["conflict"], left["movement"]) == (second["id"], without["id"])
    assert "lot" in left["why"]
    page = client.get(f"/console/conflicts/{first['id']}").text
    assert f'could not post by this mapping: <a href="/console/conflicts/{second["id"]}">' in page
    assert only_conflict(client)["id"] == second["id"]
    assert stock(client, "SKU-LOT", "DOCK") == 3
    results = _results(sim)
    assert (results[with_lot["id"]]["outcome"], results[without["id"]]["outcome"]) == (
        "applied",
        "held",
    )
    void = resolve(client, second["id"], action="void", reason="no lot on the label")
    assert void.status_code == 201
    assert store.read(verify) == []


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("2000000000016", "the GTIN check digit is wrong"),  # NEW_LABEL with a typo
        ("٢٠٠٠٠٠٠٠٠٠٠١٥", "a barcode's digits must be 0-9"),  # NEW_LABEL in Arabic-Indic
    ],
    ids=["check-digit", "arabic-indic"],
)
def test_a_code_no_scanner_reads_is_not_mapped_and_the_movement_can_be_voided(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store, code: str, why: str
) -> None:
    held = sim.record("receive", code, 3, to="DOCK")
    assert sim.push()["results"][0]["code"] == "UNKNOWN_ITEM"
    row = only_conflict(client)

    refused = resolve(client, row["id"], action="map", reason="typo", item="SKU-2")
    assert refused.status_code == 400, refused.text
    assert refused.json()["message"] == (
        f"map: {code} cannot become a barcode ({why}); void the movement"
        " and record it again with the right item"
    )
    assert only_conflict(client)["id"] == row["id"]
    assert _barcodes(store, code) == 0
    assert stock(client, "SKU-2", "DOCK") == 0

    voided = resolve(client, row["id"], action="void", reason="typed wrong")
    assert voided.status_code == 201, voided.text
    assert client.get(f"/api/movements/{held['id']}").json()["state"] == "voided"
    assert store.read(verify) == []
