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
from photos import barcodes_dir, expected_text
from starlette.testclient import TestClient


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
