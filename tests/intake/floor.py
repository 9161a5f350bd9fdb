"""A picker's day for the intake tests: a wave assigned to a picker whose device pulls it."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.catalog import add_location

PASSWORD = "correct-horse-battery"


def more_totes(store: Store) -> None:
    def add(conn: sqlite3.Connection) -> None:
        for n in (2, 3, 4):
            add_location(conn, f"TOTE-{n}", "staging", warehouse="MAIN")

    store.transact(add)


def wave_for(
    client: TestClient, make_user: Callable[..., User]
) -> tuple[SimDevice, dict[str, dict[str, Any]]]:
    """One wave of every allocated order, assigned to a new picker whose device
    has pulled it: (the device, its tasks by order line)."""
    [number] = client.post("/api/waves", json={"orders_per_list": 10}).json()["pick_lists"]
    picker = make_user("picker")
    sim = SimDevice.register(client, username=picker.username, password=PASSWORD)
    sim.pull_all()
    client.post(f"/api/pick-lists/{number}/assign", json={"username": picker.username})
    return sim, {t["order_line"]: t for t in tasks(sim)}


def tasks(sim: SimDevice) -> list[dict[str, Any]]:
    """The tasks a pull brings (new or changed since the last pull)."""
    return [t for page in sim.pull_all() for t in page["changes"]["tasks"]]


def pick(sim: SimDevice, task: dict[str, Any], qty: int | None = None, **extra: Any) -> None:
    ref = {"order_line": task["order_line"], "task": task["id"], "rma": None, "count_task": None}
    sim.record("pick", task["item"], task["qty"] if qty is None else qty,
               from_=task["location"], to=task["tote"], ref=ref, **extra)  # fmt: skip


def on_hand(client: TestClient, item: str, location: str) -> int:
    res = client.get("/api/stock", params={"item": item, "location": location})
    return sum(row["on_hand"] for row in res.json()["stock"])
