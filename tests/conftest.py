"""Shared fixtures: a real app on a temporary SQLite file, driven over ASGI.

    settings          Settings with the database in tmp_path
    app_factory(s)    create_app(s) with a cheap Argon2 hasher (for other settings)
    app               app_factory(settings)
    client            TestClient(app), entered (the lifespan has run)
    store             the app's open Store (after the lifespan ran)
    password          the password make_user gives everyone
    make_user(role)   a new user -> server.users.User
    login(username)   log the client in through the /login form
    logged_in(role)   make_user(role) + login -> User
    device            a device registered through POST /api/devices -> DeviceCreds
                      (device_id, token, epoch; .headers = the Authorization header)
    make_device()     another one (e.g. for a second device)

Tests take what they need as fixtures; nothing is imported from this file.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from argon2 import PasswordHasher, profiles
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.app import create_app
from server.database import Store
from server.settings import Settings
from server.users import User, add_user
from sync.catalog import add_item, add_location, add_warehouse
from sync.local import post_local

PASSWORD = "correct-horse-battery"

# Real Argon2, cheap parameters: tests log in often.  Production uses the defaults.
CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class DeviceCreds(NamedTuple):
    device_id: str
    token: str
    epoch: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "shelfsync.db"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings.from_env({}, db=db_path)


@pytest.fixture
def app_factory() -> Callable[[Settings], Starlette]:
    def make(settings: Settings) -> Starlette:
        return create_app(settings, password_hasher=CHEAP_HASHER)

    return make


@pytest.fixture
def app(app_factory: Callable[[Settings], Starlette], settings: Settings) -> Starlette:
    return app_factory(settings)


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def store(app: Starlette, client: TestClient) -> Store:
    store: Store = app.state.store
    return store


@pytest.fixture
def make_user(store: Store) -> Callable[..., User]:
    counter = itertools.count(1)

    def make(role: str = "picker", username: str | None = None, password: str = PASSWORD) -> User:
        name = username or f"{role}{next(counter)}"
        return store.transact(add_user, name, role, password, hasher=CHEAP_HASHER)

    return make


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def login(client: TestClient) -> Callable[..., None]:
    def log_in(username: str, password: str = PASSWORD) -> None:
        page = client.get("/login")
        response = client.post(
            "/login",
            data={"username": username, "password": password, "csrf": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text

    return log_in


@pytest.fixture
def logged_in(make_user: Callable[..., User], login: Callable[..., None]) -> Callable[..., User]:
    def make_and_log_in(role: str = "picker") -> User:
        user = make_user(role)
        login(user.username)
        return user

    return make_and_log_in


@pytest.fixture
def make_device(client: TestClient, make_user: Callable[..., User]) -> Callable[..., DeviceCreds]:
    counter = itertools.count(1)

    def register(name: str | None = None) -> DeviceCreds:
        user = make_user("picker")
        response = client.post(
            "/api/devices",
            json={
                "name": name or f"scanner-{next(counter):02d}",
                "username": user.username,
                "password": PASSWORD,
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return DeviceCreds(body["device_id"], body["token"], body["epoch"])

    return register


@pytest.fixture
def device(make_device: Callable[..., DeviceCreds]) -> DeviceCreds:
    return make_device()


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
