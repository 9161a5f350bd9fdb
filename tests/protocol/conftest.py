"""Simulated devices for the protocol tests (the warehouse is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice, synced_device
from starlette.testclient import TestClient

from server.database import Store


@pytest.fixture
def make_sim(
    client: TestClient, make_user: Callable[..., Any], warehouse: Store
) -> Callable[..., SimDevice]:
    """A new simulated device, registered with a user's password and synced once."""

    def make(name: str = "scanner", role: str = "picker") -> SimDevice:
        return synced_device(client, make_user, name, role)

    return make


@pytest.fixture
def sim(make_sim: Callable[..., SimDevice]) -> SimDevice:
    return make_sim()
