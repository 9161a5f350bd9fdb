"""JSON nested a thousand levels deep is a clear 400, not a 500, where a typed
decoder skips a field it does not know: pull and the carrier and payment
webhooks (signed as their providers sign them, so the body is read).  Orders
refuse unknown fields before reading them; pushes are tested with the protocol."""

from __future__ import annotations

import hashlib
import hmac
import time
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.database import Store
from server.settings import Settings

DEEP = b"[" * 1000 + b"]" * 1000
# where a decoder reads it: in a field it does not know (skipped value by value)
IN_A_FIELD = b'{"x": ' + DEEP + b"}"
SECRET = "whsec_deep_json"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings.from_env(
        {}, db=db_path, payment_webhook_secret=SECRET, carrier_webhook_secret=SECRET
    )


def _signed(header: str, body: bytes) -> dict[str, str]:
    t = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return {header: f"t={t},v1={mac}", "Content-Type": "application/json"}


def _too_deep(res: Any) -> None:
    assert res.status_code == 400, res.text
    body = res.json()
    assert (body["error"], body["message"]) == (
        "invalid_request", "the body is nested too deeply to read")  # fmt: skip


def test_a_pull(client: TestClient, device: Any) -> None:
    headers = {**device.headers, "Content-Type": "application/json"}
    _too_deep(client.post("/api/sync/pull", content=IN_A_FIELD, headers=headers))


@pytest.mark.parametrize(
    ("path", "header"),
    [("/api/webhooks/payment", "Shelfsync-Signature"),
     ("/api/webhooks/carrier", "Carrier-Signature")],
)  # fmt: skip
def test_a_signed_webhook(client: TestClient, warehouse: Store, path: str, header: str) -> None:
    _too_deep(client.post(path, content=IN_A_FIELD, headers=_signed(header, IN_A_FIELD)))
