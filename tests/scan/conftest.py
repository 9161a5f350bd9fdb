"""Fixtures for the scan tests: the shared barcode photos and a scan helper.

barcodes          the folder of real photos (``shared/data/barcodes`` beside the
                  repository, or beside one of its parents for a worktree)
samples(folder)   [(path, expected text or None)] of one folder, sorted
scan(data, ...)   POST /api/scan with a device token -> the response
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from photos import barcodes_dir, expected_text
from starlette.testclient import TestClient

from server.users import add_user


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


@pytest.fixture
def scan(client: TestClient, device: Any) -> Callable[..., Any]:
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
            headers=device.headers,
        )

    return post


@pytest.fixture
def device_headers(password: str) -> Callable[[TestClient], dict[str, str]]:
    """A device token on another client (an app built with other settings)."""

    def register(client: TestClient) -> dict[str, str]:
        store = client.app.state.store  # type: ignore[attr-defined]
        hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
        store.transact(add_user, "scanner-user", "picker", password, hasher=hasher)
        response = client.post(
            "/api/devices",
            json={"name": "phone", "username": "scanner-user", "password": password},
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}

    return register
