"""Fixtures for pack, ship, deliver and return: a stocked floor, a manager, a scanner.

settings   the shared settings plus a carrier webhook secret (CARRIER_SECRET)
floor      the stocked warehouse plus totes TOTE-2..4, PACK-2 and QUAR-1
manager    a supervisor, logged in on the client
scanner()  a simulated device of another user, pushing through the same client
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from devicesim import SimDevice
from fulfilmentflow import CARRIER_SECRET
from starlette.testclient import TestClient

from server.database import Store
from server.settings import Settings
from server.users import User
from sync.catalog import add_location


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings.from_env({}, db=db_path, carrier_webhook_secret=CARRIER_SECRET)


@pytest.fixture
def floor(warehouse: Store) -> Store:
    def more(conn: sqlite3.Connection) -> None:
        for n in (2, 3, 4):
            add_location(conn, f"TOTE-{n}", "staging", warehouse="MAIN")
        add_location(conn, "PACK-2", "packing", warehouse="MAIN")
        add_location(conn, "QUAR-1", "quarantine", warehouse="MAIN")

    warehouse.transact(more)
    return warehouse


@pytest.fixture
def manager(floor: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


@pytest.fixture
def scanner(client: TestClient, make_device: Callable[..., Any]) -> Callable[[], SimDevice]:
    def make() -> SimDevice:
        creds = make_device()
        return SimDevice(client, creds.device_id, creds.token, creds.epoch, user="pia")

    return make
