"""The customer's tracking page and the carrier's signed webhook (its documented protocol)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from devicesim import SimDevice
from fulfilmentflow import CARRIER_SECRET, packed_order, ship, signed
from starlette.testclient import TestClient

from server.users import User

TRACKING = "1Z999AA10123456784"


@pytest.fixture
def shipped(client: TestClient, manager: User, scanner: Callable[[], SimDevice]) -> dict[str, Any]:
    order = packed_order(client, scanner(), "T-1", ("SKU-1", 2))
    return ship(client, order["number"], TRACKING)


def _event(**extra: Any) -> dict[str, Any]:
    return {
        "id": "evt_1",
        "type": "delivered",
        "tracking_number": TRACKING,
        "occurred_at": "2026-12-01T14:03:00Z",
        "detail": "Left with neighbour",
        **extra,
    }


def test_the_tracking_page_shows_the_timeline_and_nothing_staff_only(
    client: TestClient, shipped: dict[str, Any], manager: User, db_path: Path
) -> None:
    url = shipped["tracking_url"]
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes
    client.cookies.clear()  # the customer is not logged in
    page = client.get(url)
    assert page.status_code == 200
    text = page.text
    for shown in (
        "Order received",
        "Being prepared",
        "Packed",
        "Shipped",
        TRACKING,
        "DHL",
        "Hex bolt M8",
        "Handed to the carrier",
    ):
        assert shown in text, shown
    for hidden in (
        manager.username,
        "pia",
        "TOTE-1",
        "PACK-1",
        "A-01",
        "SKU-1",
        "from shop",
        "payment",
        "LS1 1AA",
    ):
        assert hidden not in text, hidden
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in page.headers
    conn = sqlite3.connect(db_path)
    try:
        stored = [r[0] for r in conn.execute("SELECT token_sha256 FROM tracking_links")]
    finally:
        conn.close()
    assert token not in stored and len(stored) == 1  # only its hash is kept
    assert client.get("/track/" + "x" * 43).status_code == 404
    as_json = client.get(f"/api/track/{token}").json()
    assert as_json["status"] == "Shipped"
    assert [s["tracking_number"] for s in as_json["shipments"]] == [TRACKING]
    assert manager.username not in page.text + str(as_json)
    assert client.get("/api/track/" + "x" * 43).json()["error"] == "not_found"


def test_a_new_link_replaces_the_old_one(client: TestClient, shipped: dict[str, Any]) -> None:
    res = client.post(f"/api/orders/{shipped['order']}/tracking-link", json={})
    assert res.status_code == 201
    assert client.get(shipped["tracking_url"]).status_code == 404
    assert client.get(res.json()["tracking_url"]).status_code == 200


def test_a_signed_delivered_event_delivers_the_shipment_and_the_order(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    body, headers = signed(CARRIER_SECRET, _event())
    client.cookies.clear()  # the carrier has no session
    res = client.post("/api/webhooks/carrier", content=body, headers=headers)
    assert res.status_code == 200, res.text
    assert res.json() == {
        "ok": True,
        "shipment": shipped["number"],
        "status": "delivered",
        "duplicate": False,
    }
    page = client.get(shipped["tracking_url"]).text
    assert "Delivered" in page and "Left with neighbour" in page
    # a retried delivery of the same event changes nothing and says so
    res = client.post("/api/webhooks/carrier", content=body, headers=headers)
    assert res.json()["duplicate"] is True
    again, headers = signed(CARRIER_SECRET, _event(detail="other"))
    assert client.post("/api/webhooks/carrier", content=again, headers=headers).status_code == 409


@pytest.mark.parametrize(
    "make_headers",
    [
        lambda body, ok: {},
        lambda body, ok: {"Carrier-Signature": ok.replace("v1=", "v1=0")},
        lambda body, ok: {"Carrier-Signature": "garbage"},
        lambda body, ok: {
            "Carrier-Signature": signed("another secret", _event())[1]["Carrier-Signature"]
        },
        lambda body, ok: {
            "Carrier-Signature": signed(CARRIER_SECRET, _event(), at=int(time.time()) - 301)[1][
                "Carrier-Signature"
            ]
        },
    ],
    ids=["missing", "tampered", "malformed", "wrong-secret", "too-old"],
)
def test_a_bad_or_missing_signature_is_refused_and_nothing_changes(
    client: TestClient,
    shipped: dict[str, Any],
    make_headers: Callable[[bytes, str], dict[str, str]],
) -> None:
    body, good = signed(CARRIER_SECRET, _event())
    headers = {"Content-Type": "application/json", **make_headers(body, good["Carrier-Signature"])}
    res = client.post("/api/webhooks/carrier", content=body, headers=headers)
    assert res.status_code == 401
    err = res.json()
    assert (err["ok"], err["error"], err["status"]) == (False, "bad_signature", 401)
    assert set(err) == {"ok", "error", "message", "errors", "status"}
    assert client.get(f"/api/shipments/{shipped['number']}").json()["status"] == "shipped"


def test_a_body_changed_after_signing_is_refused(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    _, headers = signed(CARRIER_SECRET, _event())
    forged, _ = signed(CARRIER_SECRET, _event(tracking_number="OTHER-1"))
    assert client.post("/api/webhooks/carrier", content=forged, headers=headers).status_code == 401


def test_unknown_tracking_numbers_and_bad_events_get_a_clear_4xx(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    body, headers = signed(CARRIER_SECRET, _event(tracking_number="NOPE-123"))
    res = client.post("/api/webhooks/carrier", content=body, headers=headers)
    assert res.status_code == 404
    assert res.json()["message"] == "no shipment has tracking number NOPE-123"
    body, headers = signed(CARRIER_SECRET, _event(type="teleported"))
    res = client.post("/api/webhooks/carrier", content=body, headers=headers)
    assert res.status_code == 400 and "type: one of in_transit" in res.json()["message"]


def test_in_transit_is_recorded_without_delivering(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    body, headers = signed(CARRIER_SECRET, _event(id="evt_0", type="in_transit", detail="Hub"))
    assert client.post("/api/webhooks/carrier", content=body, headers=headers).json()["status"] == (
        "shipped"
    )
    shipment = client.get(f"/api/shipments/{shipped['number']}").json()
    assert [e["kind"] for e in shipment["events"]] == ["shipped", "in_transit"]
    assert client.get(f"/api/orders/{shipped['order']}").json()["status"] == "shipped"


def test_without_a_secret_the_webhook_refuses_everything(
    app_factory: Callable[..., Any], db_path: Path
) -> None:
    from server.settings import Settings

    with TestClient(app_factory(Settings.from_env({}, db=db_path))) as plain:
        body, headers = signed("", _event())
        res = plain.post("/api/webhooks/carrier", content=body, headers=headers)
        assert res.status_code == 401
        assert "not configured" in res.json()["message"]
