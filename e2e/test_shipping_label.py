"""The shipping label as Chromium renders it: its Code 128 barcode decodes to the tracking number.

An order of the demo warehouse is taken through the API to shipped (a picker's
device pushes the pick), then the label page is rasterised by a real headless
Chromium, and zxing-cpp reads the barcode back from the screenshot.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2
import pytest
import zxingcpp
from fulfilment_steps import picked_order, stocked_item
from PIL import Image
from playwright.sync_api import Page

if TYPE_CHECKING:
    from conftest import LiveServer


def _shipped(client: httpx2.Client, scanner: httpx2.Client, db: Path, tracking: str) -> str:
    """Order → pick (pushed by a device) → pack → ship; returns the shipment number."""
    sku, _ = stocked_item(db)
    number = picked_order(client, scanner, sku, 2, "TOTE-40")["number"]
    carton = client.post(f"/api/orders/{number}/cartons", json={}).json()["number"]
    assert client.post(f"/api/cartons/{carton}/items", json={"item": sku, "qty": 2}).is_success
    assert client.post(f"/api/cartons/{carton}/close", json={"weight_kg": 0.9}).is_success
    shipped = client.post(f"/api/orders/{number}/shipments", json={
        "carrier": "Royal Mail", "service": "Tracked 24", "tracking_number": tracking})  # fmt: skip
    assert shipped.status_code == 201, shipped.text
    return str(shipped.json()["number"])


def test_the_label_barcode_decodes_to_the_tracking_number(
    page: Page, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    tracking = "RM" + "".join(secrets.choice("0123456789") for _ in range(12)) + "GB"
    with (
        httpx2.Client(base_url=live_server.url, timeout=30) as client,
        httpx2.Client(base_url=live_server.url, timeout=30) as scanner,
    ):
        shipment = _shipped(client, scanner, live_server.db, tracking)
        session = client.cookies.get("shelfsync_session")
    assert session
    page.context.add_cookies([{"name": "shelfsync_session", "value": session,
                               "url": live_server.url}])  # fmt: skip
    page.goto(f"{live_server.url}/shipping-labels/{shipment}")
    assert page.locator("#tracking-barcode svg").count() == 1
    screenshots = request.config.rootpath / "test-results"
    screenshots.mkdir(exist_ok=True)
    png = page.screenshot(path=str(screenshots / "shipping-label.png"), full_page=True)
    image = Image.open(io.BytesIO(png)).convert("L")
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.Code128)
    assert [b.text for b in found] == [tracking]
    # and printed (print media, as a label printer would get it)
    page.emulate_media(media="print")
    printed = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("L")
    assert [b.text for b in zxingcpp.read_barcodes(printed)] == [tracking]
