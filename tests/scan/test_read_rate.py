"""The endpoint reads every photo zxing-cpp reads by itself: the pipeline loses nothing.

Both are measured here, on the same real photos: zxing-cpp's own default
``read_barcodes`` on the file as Pillow opens it, and ``POST /api/scan``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from photos import FOLDERS, same_code
from PIL import Image

READABLE = [f for f in FOLDERS if f != "falsepositives-2"]


def _direct_hit(path: Path, expected: str) -> bool:
    with Image.open(path) as image, warnings.catch_warnings():
        # zxing-cpp converts palette photos itself; Pillow warns about their transparency
        warnings.filterwarnings("ignore", "Palette images with Transparency", UserWarning)
        return any(same_code(b.text, expected) for b in zxingcpp.read_barcodes(image))


@pytest.mark.parametrize("folder", READABLE)
def test_endpoint_reads_at_least_what_zxing_cpp_reads(
    folder: str, samples: Callable[..., list[tuple[Path, str | None]]], scanner: Callable[..., Any]
) -> None:
    photos = [(p, e) for p, e in samples(folder) if e is not None]
    direct = {p.name for p, expected in photos if _direct_hit(p, expected)}
    endpoint = set()
    for path, expected in photos:
        response = scanner(path.read_bytes())
        assert response.status_code == 200, response.text
        assert expected is not None
        if any(same_code(c["text"], expected) for c in response.json()["codes"]):
            endpoint.add(path.name)
    assert direct, f"zxing-cpp read nothing in {folder}: the photos are not what they were"
    assert direct <= endpoint, (
        f"read by zxing-cpp, lost by the endpoint: {sorted(direct - endpoint)}"
    )
    assert len(endpoint) / len(photos) >= len(direct) / len(photos)


def test_photos_without_a_code_yield_nothing(
    samples: Callable[..., list[tuple[Path, str | None]]], scanner: Callable[..., Any]
) -> None:
    for path, _ in samples("falsepositives-2"):
        response = scanner(path.read_bytes())
        assert response.status_code == 200, response.text
        body = response.json()
        assert (path.name, body["codes"], body["count"]) == (path.name, [], 0)
        assert body["message"] == "no barcode found in the photo"
