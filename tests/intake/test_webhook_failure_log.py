"""A delivery that fails in a way no network explains logs its traceback once.

Such an error (here the UnicodeError of a host IDNA cannot encode) comes back
on every try, so the log gets the traceback on the delivery's first try and
one line on each later one; each try is still recorded with its error.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from intake.receiver import Receiver
from starlette.testclient import TestClient

from server.database import Store
from server.settings import Settings
from sync.local import post_local

MAX_ATTEMPTS = 4


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings.from_env({}, db=db_path, webhook_poll_ms=30, webhook_backoff_ms=20,
                             webhook_max_attempts=MAX_ATTEMPTS,
                             webhook_timeout_ms=2000)  # fmt: skip


def test_a_delivery_that_keeps_raising_logs_one_traceback_then_one_line_a_try(
    client: TestClient, bad_endpoint: dict[str, Any], store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="shelfsync.webhooks")
    move = {"kind": "transfer", "item": "SKU-1", "from": "A-01", "to": "A-03", "qty": 1}
    store.write(post_local, [move, move], user="ana")  # two deliveries

    def deliveries() -> list[dict[str, Any]]:
        url = f"/api/webhook-endpoints/{bad_endpoint['id']}/deliveries"
        return list(client.get(url).json()["deliveries"])

    Receiver(bad_endpoint["url"]).wait(
        lambda _: len(deliveries()) == 2 and all(d["state"] == "failed" for d in deliveries())
    )
    found = deliveries()
    assert {(d["state"], d["attempts"]) for d in found} == {("failed", MAX_ATTEMPTS)}
    tries = [t for d in found for t in d["tries"]]
    assert len(tries) == 2 * MAX_ATTEMPTS
    assert all(t["error"].startswith("UnicodeError") for t in tries)

    logged = [r for r in caplog.records if r.name == "shelfsync.webhooks"]
    tracebacks = [r for r in logged if r.exc_info]
    lines = [r for r in logged if not r.exc_info]
    assert len(tracebacks) == 2  # one per delivery, on its first try
    assert all(r.getMessage().endswith("failed") for r in tracebacks)
    assert len(lines) == 2 * (MAX_ATTEMPTS - 1)
    for record in lines:
        message = record.getMessage()
        assert "failed again (try " in message and "UnicodeError" in message
        assert "\n" not in message and len(message) < 1000
    tries_named = sorted(int(r.getMessage().split("(try ")[1].split(")")[0]) for r in lines)
    assert tries_named == sorted([*range(2, MAX_ATTEMPTS + 1)] * 2)
    assert "webhook delivery tick failed" not in caplog.text
