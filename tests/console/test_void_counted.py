"""A posted movement that counted against something besides stock (an order
line's packed units, an RMA, a put-back task) is not voided or edited: undoing
its ledger entries alone left the line saying 8 packed of 5 picked, and a later
cancel sent the picker to an empty packing station for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from consolecalls import order_body, resolve, stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.users import User


@pytest.mark.parametrize(
    "body", [{"action": "void"}, {"action": "edit", "qty": 5}], ids=["void", "edit"]
)
def test_a_pack_counted_against_an_order_line_is_not_undone(
    client: TestClient, sim: SimDevice, supervisor: User, body: dict[str, Any]
) -> None:
    made = client.post("/api/orders", json=order_body("V-1", "SKU-1", 5))
    assert made.status_code == 201, made.text
    line = made.json()["lines"][0]["line"]
    sim.record("pick", "SKU-1", 5, from_="A-01", to="TOTE-1", ref={"order_line": line})
    sim.record("pack", "SKU-1", 8, from_="TOTE-1", to="PACK-1", ref={"order_line": line})
    picked, packed = sim.push()["results"]
    assert picked["outcome"] == "applied"
    assert "OVERSHIP" in [c["code"] for c in packed["conflicts"]]
    conflict = next(c["id"] for c in packed["conflicts"] if c["code"] == "OVERSHIP")

    refused = resolve(client, conflict, reason="scanned wrong", **body)
    assert refused.status_code == 400, refused.text
    done = "voided" if body["action"] == "void" else "edited"
    assert refused.json()["message"] == (
        f"this pack counted against order line {line}, so it is not {done} here: accept it,"
        " and record a movement that puts right what happened"
    )
    assert (stock(client, "SKU-1", "PACK-1"), stock(client, "SKU-1", "TOTE-1")) == (8, -3)
    packing = client.get(f"/api/orders/{made.json()['number']}/packing").json()
    assert [(r["picked"], r["packed"]) for r in packing["lines"]] == [(5, 8)]  # as posted
    accepted = resolve(client, conflict, action="accept", reason="we will move them back")
    assert accepted.status_code == 201, accepted.text


def test_a_pack_naming_no_order_line_is_still_voided(
    client: TestClient, conflict_of: Callable[..., dict[str, Any]]
) -> None:
    row = conflict_of("pack", "SKU-2", 80, from_="A-01", to="PACK-1", code="NEGATIVE_STOCK")
    done = resolve(client, row["id"], action="void", reason="scanned the wrong bin")
    assert done.status_code == 201, done.text
    assert stock(client, "SKU-2", "A-01") == 50
