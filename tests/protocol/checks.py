"""Reading the server's state back through the API, for assertions."""

from __future__ import annotations

from typing import Any

from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store


def stock(client: TestClient, sim: SimDevice, item: str, location: str) -> int:
    res = client.get("/api/stock", params={"item": item, "location": location},
                     headers=sim.headers)  # fmt: skip
    assert res.status_code == 200, res.text
    return sum(row["on_hand"] for row in res.json()["stock"])


def movement(client: TestClient, sim: SimDevice, movement_id: str) -> dict[str, Any]:
    res = client.get(f"/api/movements/{movement_id}", headers=sim.headers)
    assert res.status_code == 200, res.text
    body: dict[str, Any] = res.json()
    return body


def ledger_count(store: Store, movement_id: str) -> int:
    return int(
        store.read(
            lambda c: c.execute(
                "SELECT count(*) FROM ledger l JOIN movements m ON m.server_seq = l.movement_seq"
                " WHERE m.id = ?",
                (movement_id,),
            ).fetchone()[0]
        )
    )
