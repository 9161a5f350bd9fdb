"""A small warehouse with stock, and simulated devices, for the protocol tests."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from sync.catalog import add_item, add_location, add_warehouse
from sync.local import post_local

CASE_BARCODE = "15901234123454"
EACH_BARCODE = "5901234123457"


def _catalog(conn: sqlite3.Connection) -> None:
    add_warehouse(conn, "MAIN", "Main warehouse")
    add_location(conn, "DOCK", "receiving", warehouse="MAIN", barcode="LOC-DOCK")
    for n in range(1, 6):
        add_location(conn, f"A-0{n}", "pick", warehouse="MAIN", barcode=f"LOC-A-0{n}", pick_seq=n)
    add_location(conn, "TOTE-1", "staging", warehouse="MAIN")
    add_location(conn, "PACK-1", "packing", warehouse="MAIN")
    add_location(conn, "RET-1", "returns", warehouse="MAIN")
    add_item(conn, "SKU-1", "Hex bolt M8", barcodes=[(EACH_BARCODE, 1), (CASE_BARCODE, 12)])
    add_item(conn, "SKU-2", "Washer M8", barcodes=[("4006381333931", 1)])
    add_item(conn, "SKU-LOT", "Epoxy glue", tracking="lot", expiry_tracked=True)


@pytest.fixture
def warehouse(store: Store) -> Store:
    """MAIN with a dock, bins A-01..A-05, a tote; 100 of SKU-1 and 50 of SKU-2 in A-01."""
    store.transact(_catalog)
    store.write(
        post_local,
        [
            {"kind": "receive", "item": "SKU-1", "to": "DOCK", "qty": 100},
            {"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "A-01", "qty": 100},
            {"kind": "receive", "item": "SKU-2", "to": "DOCK", "qty": 50},
            {"kind": "putaway", "item": "SKU-2", "from": "DOCK", "to": "A-01", "qty": 50},
        ],
        user="setup",
    )
    return store


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
