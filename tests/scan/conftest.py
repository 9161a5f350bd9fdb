"""Fixtures for the scan tests: the shared barcode photos and a scan helper.

barcodes          the folder of real photos (``shared/data/barcodes`` beside the
                  repository, or beside one of its parents for a worktree)
samples(folder)   [(path, expected text or None)] of one folder, sorted
scan(data, ...)   POST /api/scan with a device token -> the response
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from photos import barcodes_dir, expected_text
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from server.users import add_user

_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)


@pytest.fixture
def settings(db_path: Path) -> Settings:
    """The defaults, but a time budget out of the way: tests never fail on timing
    (a loaded machine would skip passes).  The budget's own test sets one."""
    return Settings.from_env({}, db=db_path, scan_budget_ms=600_000)


@pytest.fixture(scope="session")
def barcodes() -> Path:
    return barcodes_dir()


@pytest.fixture(scope="session")
def samples(barcodes: Path) -> Callable[[str], list[tuple[Path, str | None]]]:
    def of(folder: str) -> list[tuple[Path, str | None]]:
        paths = sorted((barcodes / folder).glob("*.png"))
        assert paths, f"no photos in {barcodes / folder}"
        return [(p, expected_text(p)) for p in paths]

    return of


def _poster(client: TestClient, headers: dict[str, str]) -> Callable[..., Any]:
    def post(
        data: bytes,
        filename: str = "photo.png",
        content_type: str = "image/png",
        **params: str,
    ) -> Any:
        return client.post(
            "/api/scan",
            files={"photo": (filename, data, content_type)},
            params=params,
            headers=headers,
        )

    return post


@pytest.fixture
def scan(client: TestClient, device: Any) -> Callable[..., Any]:
    """POST /api/scan to this test's app (the one ``warehouse`` fills)."""
    return _poster(client, device.headers)


@pytest.fixture(scope="module")
def scanner(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Any]]:
    """POST /api/scan to one app per module: scanning writes nothing, so photo
    tests can share it (an app, a database and a device each cost a little)."""
    db = tmp_path_factory.mktemp("scanner") / "shelfsync.db"
    settings = Settings.from_env({}, db=db, scan_budget_ms=600_000)
    with TestClient(create_app(settings, password_hasher=_HASHER)) as client:
        yield _poster(client, _register(client, "scanner-password"))


def _register(client: TestClient, password: str) -> dict[str, str]:
    store = client.app.state.store  # type: ignore[attr-defined]
    store.transact(add_user, "scanner-user", "picker", password, hasher=_HASHER)
    response = client.post(
        "/api/devices",
        json={"name": "phone", "username": "scanner-user", "password": password},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def device_headers(password: str) -> Callable[[TestClient], dict[str, str]]:
    """A device token on another client (an app built with other settings)."""
    return lambda client: _register(client, password)
