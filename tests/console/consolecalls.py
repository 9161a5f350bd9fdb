"""Calls the console tests make through the API, and an order body."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def stock(client: TestClient, item: str, location: str) -> int:
    res = client.get("/api/stock", params={"item": item, "location": location})
    assert res.status_code == 200, res.text
    return sum(row["on_hand"] for row in res.json()["stock"])


def only_conflict(client: TestClient, **filters: str) -> dict[str, Any]:
    res = client.get("/api/conflicts", params=filters)
    assert res.status_code == 200, res.text
    [row] = res.json()["conflicts"]
    return dict(row)


def resolve(client: TestClient, conflict: str, **body: Any) -> Any:
    return client.post(f"/api/conflicts/{conflict}/resolve", json=body)


def order_body(ref: str, item: str, qty: int) -> dict[str, Any]:
    """A one-line order for POST /api/orders."""
    ship_to = {"name": "Ada", "line1": "1 Dock Road", "city": "Leeds", "postcode": "LS1 1AA",
               "country": "GB"}  # fmt: skip
    return {"channel": "shop", "external_ref": ref, "customer": "Ada", "ship_to": ship_to,
            "lines": [{"item": item, "qty": qty}]}  # fmt: skip
