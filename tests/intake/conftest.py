"""Fixtures for the intake tests: an admin, and a webhook endpoint that cannot be sent to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


@pytest.fixture
def admin(client: TestClient, warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("admin")


@pytest.fixture
def bad_endpoint(client: TestClient, admin: User, store: Store) -> dict[str, Any]:
    """An endpoint for ``ledger.movement`` stored before hosts were checked: sending
    to it raises UnicodeError (IDNA), which is none of the network errors a delivery
    expects.  The endpoint as it was added, with the url it has now."""
    made = client.post(
        "/api/webhook-endpoints",
        json={"url": "http://127.0.0.1:9/x", "events": ["ledger.movement"]},
    ).json()
    url = "https://" + "a" * 5000 + ".com/hooks"
    number = int(made["id"].removeprefix("WH-"))
    query = "UPDATE webhook_endpoints SET url = ? WHERE id = ?"
    store.write(lambda c: c.execute(query, (url, number)))
    return {**made, "url": url}
