"""Without a BarcodeDetector the camera button takes a photo, and the server
decodes it (POST /api/scan with the device token); the code then goes through
the scan field like any other scan."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import zxingcpp
from PIL import Image, ImageOps
from playwright.sync_api import expect
from pwa_helpers import app_page, on_hand, scan, sent_log, stocked_items, wait_synced

if TYPE_CHECKING:
    from conftest import LiveServer


def test_a_photo_of_a_barcode_is_a_scan(
    signed_in: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    url = live_server.url
    (item,) = stocked_items(live_server.db, 1, skip=60)
    symbol = zxingcpp.create_barcode(item["ean"], zxingcpp.BarcodeFormat.EAN13)
    photo = tmp_path / "label.png"
    ImageOps.expand(Image.fromarray(np.array(symbol.to_image(scale=4))), 60, 255).save(photo)

    context, page = app_page(signed_in, url, "receive")
    before = on_hand(page.request, url, item["sku"], "DOCK-1")
    assert page.evaluate("'BarcodeDetector' in self") is False  # headless Linux has none
    scan(page, "DOCK-1")
    scans = []
    page.on("request", lambda r: scans.append(r) if r.url.endswith("/api/scan") else None)
    page.set_input_files("#photo", str(photo))  # what the camera button opens
    expect(page.locator("#flash")).to_contain_text(f"Received 1 × {item['sku']}")
    assert scans and scans[0].headers["authorization"].startswith("Bearer ")
    wait_synced(page)
    (entry,) = sent_log(page)["sent"]
    assert entry["movement"]["item"] == item["sku"]
    assert on_hand(page.request, url, item["sku"], "DOCK-1") == before + 1
    context.close()
