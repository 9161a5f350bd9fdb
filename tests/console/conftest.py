"""Fixtures for the console tests: a stocked warehouse, devices, a supervisor, and
the conflict a movement makes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from consolecalls import only_conflict
from devicesim import SimDevice, synced_device
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


@pytest.fixture
def make_sim(
    client: TestClient, make_user: Callable[..., Any], warehouse: Store
) -> Callable[..., SimDevice]:
    """A new simulated device, registered with a user's password and synced once."""

    def make(name: str = "scanner", role: str = "counter") -> SimDevice:
        return synced_device(client, make_user, name, role)

    return make


@pytest.fixture
def sim(make_sim: Callable[..., SimDevice]) -> SimDevice:
    return make_sim()


@pytest.fixture
def supervisor(warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


@pytest.fixture
def conflict_of(
    client: TestClient, sim: SimDevice, supervisor: User
) -> Callable[..., dict[str, Any]]:
    """The one conflict a movement makes: ``conflict_of("pick", "SKU-2", 80,
    from_="A-01", to="TOTE-1", code="NEGATIVE_STOCK")`` records it on ``sim``,
    pushes it and answers the conflict as the supervisor lists it (the one of
    ``code``, if given)."""

    def pushed(kind: str, item: str, qty: int, *, code: str = "", **fields: Any) -> dict[str, Any]:
        sim.record(kind, item, qty, **fields)
        sim.push()
        return only_conflict(client, **({"code": code} if code else {}))

    return pushed
