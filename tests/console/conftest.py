"""Fixtures for the console tests: a stocked warehouse, devices, a supervisor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
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
