"""Simulated devices for the protocol tests (the warehouse is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store


@pytest.fixture
def make_sim(
    client: TestClient, make_user: Callable[..., Any], warehouse: Store
) -> Callable[..., SimDevice]:
    """A new simulated device, registered with a user's password and synced once."""

    def make(name: str = "scanner", role: str = "picker") -> SimDevice:
        user = make_user(role)
        sim = SimDevice.register(client, username=user.username, password="correct-horse-battery",
                                 name=name)  # fmt: skip
        sim.pull_all()
        return sim

    return make


@pytest.fixture
def sim(make_sim: Callable[..., SimDevice]) -> SimDevice:
    return make_sim()
