"""Every bad upload gets a clear 4xx in the one JSON error shape; never a 500 or a hang."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Callable
from typing import Any

import pytest
from photos import barcodes_dir, encode
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.settings import Settings

QR = barcodes_dir() / "qrcode-3" / "01.png"


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["ok"] is False and body["status"] == status and body["error"] == code, body
    assert body["message"]
    return body


def _png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header that claims ``width`` x ``height``, over a tiny picture."""
    small = encode(Image.new("1", (8, 8)), "PNG")
    ihdr = struct.pack(">II", width, height) + small[24:29]
    chunk = b"IHDR" + ihdr
    return (
        small[:8]
        + struct.pack(">I", 13)
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + small[33:]
    )


def test_not_an_image(scanner: Callable[..., Any]) -> None:
    body = _error(scanner(b"%PDF-1.7 this is not a photo"), 400, "invalid_image")
    assert "not an image" in body["message"]


def test_an_empty_file(scanner: Callable[..., Any]) -> None:
    _error(scanner(b""), 400, "invalid_image")


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "WEBP"])
def test_a_truncated_photo(scanner: Callable[..., Any], kind: str) -> None:
    data = encode(Image.open(QR).convert("RGB"), kind)
    body = _error(scanner(data[: len(data) // 2]), 400, "invalid_image")
    assert "damaged or truncated" in body["message"]


@pytest.mark.parametrize(("kind", "name"), [("GIF", "GIF"), ("BMP", "BMP"), ("TIFF", "TIFF")])
def test_an_image_type_the_scanner_does_not_take(
    scanner: Callable[..., Any], kind: str, name: str
) -> None:
    body = _error(scanner(encode(Image.open(QR), kind)), 415, "unsupported_image_type")
    assert body["message"].startswith(f"{name} images are not accepted")


@pytest.mark.parametrize(
    "size",
    [
        (9000, 7000),  # over the 50 MP setting, under Pillow's own limit
        (10000, 10000),  # Pillow warns (an error under pytest), we refuse
        (30000, 30000),  # Pillow refuses: a decompression bomb
    ],
)
def test_too_many_pixels_is_refused_from_the_header(
    scanner: Callable[..., Any], size: tuple[int, int]
) -> None:
    data = _png_claiming(*size)
    assert len(data) < 200
    _error(scanner(data), 413, "image_too_large")


def test_the_pixel_cap_is_a_setting(
    app_factory: Callable[[Settings], Starlette], settings: Settings, device_headers: Any
) -> None:
    small = Settings.from_env({}, db=settings.db, scan_max_megapixels=1)
    with TestClient(app_factory(small)) as client:
        data = encode(Image.new("L", (1200, 1000), 255), "PNG")
        response = client.post(
            "/api/scan",
            files={"photo": ("p.png", data, "image/png")},
            headers=device_headers(client),
        )
    body = _error(response, 413, "image_too_large")
    assert "1200x1000" in body["message"]


def test_an_upload_over_the_size_cap(
    app_factory: Callable[[Settings], Starlette], settings: Settings, device_headers: Any
) -> None:
    small = Settings.from_env({}, db=settings.db, scan_max_upload_mb=1)
    with TestClient(app_factory(small)) as client:
        headers = device_headers(client)
        big = b"\xff\xd8" + bytes(2 * 1024 * 1024)
        response = client.post(
            "/api/scan", files={"photo": ("p.jpg", big, "image/jpeg")}, headers=headers
        )
        _error(response, 413, "image_too_large")
        as_json = {"photo": base64.b64encode(big).decode()}
        _error(client.post("/api/scan", json=as_json, headers=headers), 413, "image_too_large")


def test_no_photo_field(client: TestClient, device: Any) -> None:
    response = client.post(
        "/api/scan", files={"picture": ("p.png", b"x", "image/png")}, headers=device.headers
    )
    body = _error(response, 400, "invalid_request")
    assert "photo" in body["message"]
    response = client.post("/api/scan", data={"photo": "not a file"}, headers=device.headers,
                           files={"other": ("x", b"", "text/plain")})  # fmt: skip
    _error(response, 400, "invalid_request")


def test_a_body_that_is_neither_a_form_nor_json(client: TestClient, device: Any) -> None:
    response = client.post(
        "/api/scan",
        content=QR.read_bytes(),
        headers={**device.headers, "Content-Type": "image/png"},
    )
    body = _error(response, 415, "unsupported_media_type")
    assert "multipart/form-data" in body["message"]


def test_a_broken_multipart_body(client: TestClient, device: Any) -> None:
    response = client.post(
        "/api/scan",
        content=b"--x\r\nContent-Disposition: form-data; name=photo\r\n\r\nabc",
        headers={**device.headers, "Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["ok"] is False


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"photo": "%%% not base64 %%%"}, "invalid_image"),
        ({"photo": ""}, "invalid_request"),
        ({}, "invalid_request"),
        ({"photo": base64.b64encode(QR.read_bytes()).decode(), "formats": 7}, "invalid_request"),
    ],
)
def test_bad_json_bodies(client: TestClient, device: Any, body: dict[str, Any], code: str) -> None:
    _error(client.post("/api/scan", json=body, headers=device.headers), 400, code)


def test_json_that_is_not_an_object(client: TestClient, device: Any) -> None:
    _error(client.post("/api/scan", json=[1, 2], headers=device.headers), 400, "invalid_request")


def test_unknown_formats(scanner: Callable[..., Any]) -> None:
    body = _error(scanner(QR.read_bytes(), formats="EAN13,Bogus"), 400, "invalid_request")
    assert "Bogus" in body["message"]


def test_anonymous_is_refused(client: TestClient) -> None:
    response = client.post("/api/scan", files={"photo": ("p.png", QR.read_bytes(), "image/png")})
    _error(response, 401, "unauthorized")


@pytest.mark.parametrize("size", [(30000, 2), (2, 30000), (1, 1)])
def test_odd_shapes_are_scanned_not_crashed(
    scanner: Callable[..., Any], size: tuple[int, int]
) -> None:
    response = scanner(encode(Image.new("L", size, 255), "PNG"))
    assert response.status_code == 200, response.text
    assert response.json()["codes"] == []
