"""Ids, numbers and bodies no client should send answer a clear 4xx, never a 500.

"²" passes ``str.isdigit`` but not ``int``; a 23-digit number passes both but
is past what SQLite stores; JSON a thousand levels deep is past what the
decoder reads.  Each is refused like any other malformed or unknown value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.database import Store
from server.users import User

HUGE = "99999999999999999999999"  # 23 digits: past a 64-bit integer
DEEP = b"[" * 1000 + b"]" * 1000
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def _refused(res: Any, status: int, message: str) -> None:
    assert res.status_code == status, res.text
    body = res.json()
    assert (body["ok"], body["status"], body["message"]) == (False, status, message)


@pytest.fixture
def held_conflict(client: TestClient, device: Any, warehouse: Store) -> str:
    """c-1: a count of 60 where the book says 100, held for a supervisor."""
    move = {"id": "0b6d0c7e-6d3a-4d3e-9b1a-000000000001", "seq": 1, "kind": "count",
            "user": "ana", "recorded_at": "2026-11-23T09:55:12.331Z", "item": "SKU-1",
            "to": "A-01", "qty": 60}  # fmt: skip
    envelope = {"protocol": 1, "device_id": device.device_id,
                "device_time": "2026-11-23T09:55:12.331Z", "movements": [move]}  # fmt: skip
    res = client.post("/api/sync/push", json=envelope, headers=device.headers)
    assert res.json()["results"][0]["outcome"] == "held", res.text
    return "c-1"


@pytest.mark.parametrize("conflict", ["c-²", f"c-{HUGE}", "c-١"])
def test_a_conflict_id_that_is_no_number_is_refused(
    client: TestClient, held_conflict: str, logged_in: Callable[..., User], conflict: str
) -> None:
    logged_in("supervisor")
    message = f"not a conflict id: {conflict!r} (expected e.g. c-17)"
    _refused(client.get(f"/api/conflicts/{conflict}"), 400, message)
    body = {"action": "accept", "reason": "fine"}
    _refused(client.post(f"/api/conflicts/{conflict}/resolve", json=body), 400, message)
    # one bad id refuses the whole bulk accept: the good one stays open
    bulk = {"ids": [held_conflict, conflict], "reason": "small"}
    _refused(client.post("/api/conflicts/bulk-accept", json=bulk), 400, message)
    assert client.get(f"/api/conflicts/{held_conflict}").json()["state"] == "open"


@pytest.mark.parametrize("number", [2**63, -1])
def test_a_bulk_accept_id_given_as_a_json_number_is_a_conflict_number(
    client: TestClient, held_conflict: str, logged_in: Callable[..., User], number: int
) -> None:
    logged_in("supervisor")
    bulk = {"ids": [held_conflict, number], "reason": "small"}
    message = f"not a conflict id: '{number}' (expected e.g. c-17)"
    _refused(client.post("/api/conflicts/bulk-accept", json=bulk), 400, message)
    assert client.get(f"/api/conflicts/{held_conflict}").json()["state"] == "open"


@pytest.mark.parametrize("endpoint", ["²", "WH-²", HUGE, f"WH-{HUGE}", "WH-12345"])
def test_a_webhook_endpoint_that_is_no_number_names_no_endpoint(
    client: TestClient, logged_in: Callable[..., User], endpoint: str
) -> None:
    logged_in("admin")
    res = client.get(f"/api/webhook-endpoints/{endpoint}/deliveries")
    _refused(res, 404, f"no webhook endpoint {endpoint}")  # as for WH-12345
    disabled = client.post(f"/api/webhook-endpoints/{endpoint}/disable", json={})
    _refused(disabled, 404, f"no webhook endpoint {endpoint}")


def test_a_label_limit_that_is_no_number_is_refused(
    client: TestClient, warehouse: Store, logged_in: Callable[..., User]
) -> None:
    logged_in("supervisor")
    for limit in ("²", HUGE + "9"):
        res = client.get("/labels", params={"kind": "bin", "limit": limit})
        assert res.status_code == 400, (limit, res.status_code)
        assert f"limit: expected a whole number, not {limit!r}" in res.text.replace("&#39;", "'")


@pytest.mark.parametrize(("field", "value"), [("qty_1", "²"), ("priority", "²")])
def test_an_order_form_number_that_is_no_number_is_shown_not_crashed(
    client: TestClient, warehouse: Store, logged_in: Callable[..., User], field: str, value: str
) -> None:
    logged_in("supervisor")
    page = client.get("/orders/new")
    csrf = _CSRF.search(page.text)
    assert csrf
    form = {"csrf": csrf[1], "channel": "phone", "customer": "Ada", "ship_name": "Ada",
            "ship_line1": "1 Dock Road", "ship_city": "Leeds", "ship_postcode": "LS1 1AA",
            "ship_country": "GB", "item_1": "SKU-1", "qty_1": "3", "priority": "3",
            "payment_status": "authorized", field: value}  # fmt: skip
    res = client.post("/orders/new", data=form)
    assert res.status_code == 400
    assert f'id="{field}-error"' in res.text
    assert warehouse.read(lambda c: c.execute("SELECT count(*) FROM orders").fetchone()[0]) == 0


@pytest.mark.parametrize("body", [DEEP, b'{"name": "scanner", "x": ' + DEEP + b"}"])
def test_json_nested_a_thousand_deep_is_a_clear_400(client: TestClient, body: bytes) -> None:
    res = client.post("/api/devices", content=body, headers={"Content-Type": "application/json"})
    _refused(res, 400, "the body is nested too deeply to read")
    assert res.json()["error"] == "invalid_request"
