"""The payment webhook: signed as documented (Stripe's t=…,v1=… scheme), idempotent,
forward-only.  The signatures here are made from the README's description with
hmac and hashlib directly, not with the server's own code."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from orders.orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.settings import Settings
from server.users import User

SECRET = "whsec_test_5b1c0e"
URL = "/api/webhooks/payment"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings.from_env({}, db=db_path, payment_webhook_secret=SECRET)


@pytest.fixture
def made(client: TestClient, warehouse: Store, logged_in: Callable[..., User]) -> dict[str, Any]:
    logged_in("supervisor")
    body = client.post("/api/orders", json=order("PAY-1", ("SKU-1", 2))).json()
    client.cookies.clear()  # the provider has no session
    return body


def signed(
    payload: dict[str, Any], *, secret: str = SECRET, at: int | None = None
) -> dict[str, Any]:
    body = json.dumps(payload).encode()
    t = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {"content": body, "headers": {"Shelfsync-Signature": f"t={t},v1={mac}",
                                         "Content-Type": "application/json"}}  # fmt: skip


def status(client: TestClient, store: Store, number: str) -> str:
    row = store.read(lambda c: c.execute(
        "SELECT payment_status FROM orders WHERE number = ?", (number,)).fetchone())  # fmt: skip
    return str(row[0])


def test_a_signed_event_moves_the_payment_and_a_resend_changes_nothing(
    client: TestClient, store: Store, made: dict[str, Any]
) -> None:
    event = {"id": "evt_1", "order": made["number"], "status": "authorized"}
    res = client.post(URL, **signed(event))
    assert res.status_code == 200, res.text
    assert res.json() == {"ok": True, "order": made["number"], "payment_status": "authorized",
                          "applied": True, "replayed": False,
                          "message": "pending → authorized"}  # fmt: skip
    again = client.post(URL, **signed(event))  # the provider retries: new timestamp, same event
    assert again.json()["replayed"] is True and again.json()["applied"] is True
    paid = client.post(URL, **signed({"id": "evt_2", "channel": "shop", "external_ref": "PAY-1",
                                      "status": "paid"}))  # fmt: skip
    assert paid.json()["payment_status"] == "paid"
    assert status(client, store, made["number"]) == "paid"
    count = store.read(lambda c: c.execute("SELECT count(*) FROM payment_events").fetchone()[0])
    assert count == 2


def test_a_late_authorized_after_paid_does_not_move_it_back(
    client: TestClient, store: Store, made: dict[str, Any]
) -> None:
    client.post(URL, **signed({"id": "evt_p", "order": made["number"], "status": "paid"}))
    late = client.post(URL, **signed({"id": "evt_a", "order": made["number"],
                                      "status": "authorized"}))  # fmt: skip
    assert late.status_code == 200  # so the provider stops resending it
    assert late.json()["applied"] is False
    assert late.json()["message"] == "not applied: the payment is paid and cannot become authorized"
    assert status(client, store, made["number"]) == "paid"
    refund = client.post(URL, **signed({"id": "evt_r", "order": made["number"],
                                        "status": "refunded"}))  # fmt: skip
    assert refund.json()["payment_status"] == "refunded"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: {**s, "headers": {"Content-Type": "application/json"}},  # no signature
        lambda s: {**s, "content": s["content"].replace(b"paid", b"refunded")},  # body changed
        lambda s: {**s, "headers": {**s["headers"], "Shelfsync-Signature": "v1=abc"}},  # no t
        lambda s: {**s, "headers": {**s["headers"], "Shelfsync-Signature": "t=1,v1="}},
    ],
)
def test_a_bad_or_missing_signature_is_401_and_changes_nothing(
    client: TestClient, store: Store, made: dict[str, Any], mangle: Callable[..., Any]
) -> None:
    request = mangle(signed({"id": "evt_x", "order": made["number"], "status": "paid"}))
    res = client.post(URL, **request)
    assert res.status_code == 401
    body = res.json()
    assert (body["ok"], body["error"], body["status"]) == (False, "unauthorized", 401)
    assert status(client, store, made["number"]) == "pending"
    assert store.read(lambda c: c.execute("SELECT count(*) FROM payment_events").fetchone()[0]) == 0


def test_another_secret_and_an_old_timestamp_are_refused(
    client: TestClient, store: Store, made: dict[str, Any]
) -> None:
    event = {"id": "evt_y", "order": made["number"], "status": "paid"}
    assert client.post(URL, **signed(event, secret="someone-else")).status_code == 401
    stale = client.post(URL, **signed(event, at=int(time.time()) - 301))
    assert stale.status_code == 401 and "300 s" in stale.json()["message"]
    assert status(client, store, made["number"]) == "pending"


def test_a_signed_but_bad_event_is_400_and_an_unknown_order_404(
    client: TestClient, made: dict[str, Any]
) -> None:
    bad = client.post(URL, **signed({"id": "evt_b", "order": made["number"], "status": "won"}))
    assert bad.status_code == 400 and "status" in bad.json()["message"]
    missing = client.post(URL, **signed({"id": "evt_m", "order": "SO-999", "status": "paid"}))
    assert missing.status_code == 404
    reused = client.post(URL, **signed({"id": "evt_c", "order": made["number"], "status": "paid"}))
    assert reused.status_code == 200
    other = client.post(URL, **signed({"id": "evt_c", "order": made["number"],
                                       "status": "refunded"}))  # fmt: skip
    assert other.status_code == 409


def test_without_a_configured_secret_the_webhook_refuses_everything(
    app_factory: Callable[[Settings], Any], db_path: Path
) -> None:
    app = app_factory(Settings.from_env({}, db=db_path))
    with TestClient(app) as client:
        res = client.post(URL, **signed({"id": "e", "order": "SO-1", "status": "paid"}, secret=""))
        assert res.status_code == 401
        assert "not configured" in res.json()["message"]


def test_the_order_page_shows_the_payment_and_its_events(
    client: TestClient, made: dict[str, Any], logged_in: Callable[..., User]
) -> None:
    client.post(URL, **signed({"id": "evt_pg1", "order": made["number"], "status": "paid"}))
    client.post(URL, **signed({"id": "evt_pg2", "order": made["number"], "status": "authorized"}))
    logged_in("picker")
    page = client.get(f"/orders/{made['number']}").text
    assert '<dd id="payment">paid</dd>' in page
    assert "evt_pg1" in page and "pending → paid" in page
    assert "not applied: the payment is paid and cannot become authorized" in page


def test_the_payment_secret_is_never_written_to_the_database(
    app_factory: Callable[[Settings], Any], db_path: Path, client: TestClient
) -> None:
    client.__exit__(None, None, None)  # the first start remembered the settings
    again = Settings.from_env({}, db=db_path, payment_webhook_secret=SECRET + "-rotated")
    with TestClient(app_factory(again)):
        pass  # the second start records what changed
    assert SECRET.encode() not in db_path.read_bytes()
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or SECRET.encode() not in wal.read_bytes()
