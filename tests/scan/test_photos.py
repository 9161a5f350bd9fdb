"""Photos as phones take them: rotated by EXIF, 12 megapixels, HEIC and WebP."""

from __future__ import annotations

import base64
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
import zxingcpp
from photos import barcodes_dir, big_photo, encode, expected_text, open_photo, same_code
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.settings import Settings

# A handful of photos that zxing-cpp reads, of different symbologies.
NAMES = ["qrcode-3/01.png", "code39-3/01.png", "itf-2/01.png", "ean13-2/05.png", "upca-5/03.png"]
PHOTOS = [barcodes_dir() / name for name in NAMES]
ORIENTATION = 0x0112
# EXIF orientation -> how the stored pixels are turned from the upright picture
STORED = {
    3: Image.Transpose.ROTATE_180,
    6: Image.Transpose.ROTATE_90,
    8: Image.Transpose.ROTATE_270,
}


def _code(body: dict[str, Any], expected: str) -> dict[str, Any]:
    found = [c for c in body["codes"] if same_code(c["text"], expected)]
    assert found, f"{expected!r} not read: {body}"
    return found[0]


def _stored_sideways(image: Image.Image, orientation: int, kind: str = "PNG") -> bytes:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    return encode(image.transpose(STORED[orientation]), kind, exif=exif)


def test_the_sample_photos_are_readable() -> None:
    for path in PHOTOS:
        expected = expected_text(path)
        assert expected and any(
            same_code(b.text, expected) for b in zxingcpp.read_barcodes(open_photo(path))
        ), path


@pytest.mark.parametrize("orientation", sorted(STORED))
@pytest.mark.parametrize("path", PHOTOS, ids=lambda p: p.parent.name)
def test_exif_orientation_gives_positions_in_the_upright_photo(
    scanner: Callable[..., Any], path: Any, orientation: int
) -> None:
    upright = open_photo(path)
    expected = expected_text(path)
    assert expected is not None
    straight = scanner(encode(upright, "PNG")).json()
    turned = scanner(_stored_sideways(upright, orientation)).json()
    assert (turned["image"]["width"], turned["image"]["height"]) == upright.size
    assert _code(turned, expected)["position"] == _code(straight, expected)["position"]


@pytest.mark.parametrize("path", PHOTOS, ids=lambda p: p.parent.name)
def test_a_12_megapixel_photo_takes_the_fast_path(scanner: Callable[..., Any], path: Any) -> None:
    photo, (left, top, right, bottom) = big_photo(open_photo(path))
    expected = expected_text(path)
    assert expected is not None
    body = scanner(encode(photo, "JPEG", quality=90), "photo.jpg", "image/jpeg").json()
    assert (body["image"]["width"], body["image"]["height"]) == (4000, 3000)
    # decoded at a quarter of its size first (a blurry code may need the bigger passes too)
    assert body["passes"][0]["width"] == 1000
    corners = _code(body, expected)["position"].values()
    # positions are in the full photo, inside the region the code photo was pasted on
    assert all(left - 8 <= c["x"] <= right + 8 and top - 8 <= c["y"] <= bottom + 8 for c in corners)


def test_a_12_megapixel_photo_on_its_side(scanner: Callable[..., Any]) -> None:
    path = PHOTOS[0]
    photo, box = big_photo(open_photo(path))
    body = scanner(_stored_sideways(photo, 6, "JPEG"), "photo.jpg", "image/jpeg").json()
    assert (body["image"]["width"], body["image"]["height"]) == (4000, 3000)
    corners = _code(body, expected_text(path) or "")["position"].values()
    assert all(box[0] - 8 <= c["x"] <= box[2] + 8 and box[1] - 8 <= c["y"] <= box[3] + 8
               for c in corners)  # fmt: skip


def test_a_big_png_is_reduced_too(scanner: Callable[..., Any]) -> None:
    path = PHOTOS[1]
    photo, _ = big_photo(open_photo(path), size=(3000, 2250), long_side=1500, at=(600, 400))
    body = scanner(encode(photo, "PNG", compress_level=1)).json()
    assert body["passes"][0]["width"] == 1000
    _code(body, expected_text(path) or "")


def _small_code_photo() -> Image.Image:
    """A QR code of 2 px modules in a 4000x3000 photo: lost at half size and below."""
    qr = zxingcpp.create_barcode("TOTE-07", zxingcpp.BarcodeFormat.QRCode).to_image(scale=2)
    photo = Image.new("L", (4000, 3000), 200)
    photo.paste(Image.fromarray(np.asarray(qr)), (1800, 1400))
    return photo


def test_nothing_at_reduced_sizes_then_full_resolution(scanner: Callable[..., Any]) -> None:
    body = scanner(encode(_small_code_photo(), "PNG", compress_level=1)).json()
    assert [p["width"] for p in body["passes"]] == [1000, 2000, 4000]
    assert [c["text"] for c in body["codes"]] == ["TOTE-07"]


def test_the_time_budget_skips_the_full_resolution_pass(
    app_factory: Callable[[Settings], Starlette], settings: Settings, device_headers: Any
) -> None:
    tight = Settings.from_env({}, db=settings.db, scan_budget_ms=1)
    data = encode(_small_code_photo(), "PNG", compress_level=1)
    with TestClient(app_factory(tight)) as client:
        files = {"photo": ("p.png", data, "image/png")}
        response = client.post("/api/scan", files=files, headers=device_headers(client))
    body = response.json()
    assert response.status_code == 200 and body["codes"] == []
    assert body["passes"][0]["width"] == 1000  # the first pass always runs
    assert body["passes"][1:] == [{"width": 2000, "skipped": "over the time budget"}]
    assert body["message"] == "no barcode found in the photo"


@pytest.mark.parametrize(("kind", "media"), [("WEBP", "image/webp"), ("HEIF", "image/heic")])
def test_webp_and_heic(scanner: Callable[..., Any], kind: str, media: str) -> None:
    path = PHOTOS[0]
    data = encode(open_photo(path), kind, quality=95)
    body = scanner(data, f"photo.{kind.lower()}", media).json()
    assert body["image"]["type"] == kind
    _code(body, expected_text(path) or "")


def test_formats_narrow_or_widen_the_search(scanner: Callable[..., Any]) -> None:
    qr = encode(open_photo(PHOTOS[0]))
    assert scanner(qr, formats="EAN13,Code128").json()["codes"] == []
    assert len(scanner(qr, formats="QRCode").json()["codes"]) == 1
    aztec = zxingcpp.create_barcode("BIN A-01", zxingcpp.BarcodeFormat.Aztec).to_image(scale=4)
    data = encode(Image.fromarray(np.asarray(aztec)), "PNG")
    assert scanner(data).json()["codes"] == []  # not a warehouse symbology
    assert [c["text"] for c in scanner(data, formats="all").json()["codes"]] == ["BIN A-01"]
    assert [c["format"] for c in scanner(data, formats="Aztec").json()["codes"]] == ["Aztec"]


def test_a_logged_in_person_sends_the_photo_as_json(
    client: TestClient, logged_in: Callable[..., Any]
) -> None:
    logged_in("picker")
    path = PHOTOS[1]
    photo = base64.b64encode(path.read_bytes()).decode()
    response = client.post("/api/scan", json={"photo": photo})
    assert response.status_code == 200, response.text
    _code(response.json(), expected_text(path) or "")
    data_url = client.post("/api/scan", json={"photo": "data:image/png;base64," + photo})
    _code(data_url.json(), expected_text(path) or "")
    # a browser session cannot post a form to the API (the CSRF rule): JSON it is
    form = client.post("/api/scan", files={"photo": ("p.png", path.read_bytes(), "image/png")})
    assert form.status_code == 415 and form.json()["error"] == "unsupported_media_type"


def test_parallel_scans_all_finish(scanner: Callable[..., Any]) -> None:
    """More scans than decoding slots at once: each waits its turn, none hangs or fails."""
    jobs = []
    for path in PHOTOS:
        photo, _ = big_photo(open_photo(path), size=(3000, 2250), long_side=1500, at=(500, 300))
        jobs.append((encode(photo, "JPEG", quality=85), expected_text(path) or ""))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        answers = list(pool.map(lambda job: scanner(job[0], "p.jpg", "image/jpeg"), jobs))
    for answer, (_, expected) in zip(answers, jobs, strict=True):
        assert answer.status_code == 200, answer.text
        _code(answer.json(), expected)
