"""Codes resolved against a real catalog, through ``POST /api/scan``.

The photos are labels made with zxing-cpp's writer (and one real photo), so
each test knows what the code holds; the catalog is the ``warehouse`` fixture.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import zxingcpp
from orders.orderdata import order
from photos import barcodes_dir, encode, open_photo
from PIL import Image
from starlette.testclient import TestClient
from zxingcpp import BarcodeFormat

from server.database import Store
from server.users import User
from sync.catalog import add_item
from sync.codes import resolve_code
from sync.local import post_local

LOT_GTIN = "4006381333948"  # SKU-LOT's barcode, added below
ORDER = order("W-1", ("SKU-1", 3))


def label(text: str, fmt: BarcodeFormat, **options: Any) -> Image.Image:
    image = zxingcpp.create_barcode(text, fmt, **options).to_image(scale=4)
    return Image.fromarray(np.asarray(image))


def side_by_side(*images: Image.Image) -> Image.Image:
    sheet = Image.new("L", (sum(i.width for i in images) + 60 * len(images), 400), 255)
    x = 30
    for image in images:
        sheet.paste(image, (x, 40))
        x += image.width + 60
    return sheet


@pytest.fixture
def resolve(warehouse: Store, scan: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    """Scan an image; the one code's resolution."""

    def scan_one(image: Image.Image) -> dict[str, Any]:
        response = scan(encode(image, "PNG"))
        assert response.status_code == 200, response.text
        codes = response.json()["codes"]
        assert len(codes) == 1, codes
        resolution: dict[str, Any] = codes[0]["resolution"]
        return resolution

    return scan_one


@pytest.fixture
def lot_item(warehouse: Store) -> Store:
    """SKU-LOT gets an EAN-13 and lot L1 (expiry 2027-12-31) received into A-02."""
    warehouse.transact(
        lambda conn: add_item(
            conn, "SKU-LOT", "Epoxy glue", tracking="lot", expiry_tracked=True,
            barcodes=[(LOT_GTIN, 1)],
        )
    )  # fmt: skip
    warehouse.write(
        post_local,
        [{"kind": "receive", "item": "SKU-LOT", "to": "A-02", "qty": 5, "lot": "L1",
          "expiry": "2027-12-31"}],
        user="setup",
    )  # fmt: skip
    return warehouse


def test_an_ean_13_is_an_item(resolve: Callable[..., dict[str, Any]]) -> None:
    found = resolve(label("5901234123457", BarcodeFormat.EAN13))
    assert found["kind"] == "item" and found["matched"] is True
    assert found["item"]["sku"] == "SKU-1" and found["pack_qty"] == 1
    assert found["gtin"] == "05901234123457"


def test_an_itf_14_case_code_carries_its_pack_quantity(
    resolve: Callable[..., dict[str, Any]],
) -> None:
    found = resolve(label("15901234123454", BarcodeFormat.ITF))
    assert (found["kind"], found["item"]["sku"], found["pack_qty"]) == ("item", "SKU-1", 12)
    assert found["message"] == "item SKU-1 Hex bolt M8 (a pack of 12)"


def test_a_upc_a_and_its_ean_13_form_are_one_product(
    warehouse: Store, resolve: Callable[..., dict[str, Any]]
) -> None:
    warehouse.transact(lambda c: add_item(c, "SKU-UPC", "Soup", barcodes=[("0036000291452", 1)]))
    warehouse.transact(lambda c: add_item(c, "SKU-12", "Beans", barcodes=[("012345678905", 1)]))
    assert resolve(label("036000291452", BarcodeFormat.UPCA))["item"]["sku"] == "SKU-UPC"
    assert resolve(label("0012345678905", BarcodeFormat.EAN13))["item"]["sku"] == "SKU-12"


def test_a_bin_label_is_a_location(resolve: Callable[..., dict[str, Any]]) -> None:
    found = resolve(label("LOC-A-01", BarcodeFormat.Code128))
    assert found["kind"] == "location"
    assert found["location"] == {"code": "A-01", "kind": "pick", "zone": None, "warehouse": "MAIN"}
    assert resolve(label("A-03", BarcodeFormat.Code128))["location"]["code"] == "A-03"


def test_a_sku_in_code_39(resolve: Callable[..., dict[str, Any]]) -> None:
    found = resolve(label("SKU-2", BarcodeFormat.Code39))
    assert (found["kind"], found["item"]["name"]) == ("item", "Washer M8")


def test_a_gs1_datamatrix_names_a_known_lot(
    lot_item: Store, resolve: Callable[..., dict[str, Any]]
) -> None:
    text = f"(01)0{LOT_GTIN}(17)271231(10)L1"
    found = resolve(label(text, BarcodeFormat.DataMatrix, gs1=True, forceSquare=True))
    assert found["kind"] == "lot" and found["item"]["sku"] == "SKU-LOT"
    assert found["lot"] == {"code": "L1", "expiry": "2027-12-31", "status": "ok", "known": True}
    assert found["gs1"] == {"gtin": f"0{LOT_GTIN}", "lot": "L1", "expiry": "2027-12-31"}
    assert "problems" not in found


def test_a_label_whose_expiry_disagrees_with_the_lot(
    lot_item: Store, resolve: Callable[..., dict[str, Any]]
) -> None:
    text = f"(01)0{LOT_GTIN}(17)280131(10)L1"
    found = resolve(label(text, BarcodeFormat.DataMatrix, gs1=True, forceSquare=True))
    assert found["problems"] == ["the label's expiry 2028-01-31 differs from the lot's 2027-12-31"]


def test_a_lot_not_seen_before(lot_item: Store, resolve: Callable[..., dict[str, Any]]) -> None:
    text = f"(01)0{LOT_GTIN}(10)NEW-9\x1d(17)270630"
    found = resolve(label(text.replace("\x1d", ""), BarcodeFormat.Code128, gs1=True))
    assert found["kind"] == "lot" and found["matched"] is True
    assert found["lot"] == {"code": "NEW-9", "expiry": "2027-06-30", "status": None, "known": False}
    assert found["message"].endswith("lot NEW-9 (a lot not seen before)")


def test_a_gs1_digital_link_qr_code(resolve: Callable[..., dict[str, Any]]) -> None:
    found = resolve(label("https://id.gs1.org/01/05901234123457/10/L9", BarcodeFormat.QRCode))
    assert (found["kind"], found["item"]["sku"], found["lot"]["known"]) == ("lot", "SKU-1", False)
    other = resolve(label("https://example.com/01/", BarcodeFormat.QRCode))
    assert other["kind"] == "unknown" and "not a GTIN" in other["problems"][0]


def test_a_lot_by_its_code_alone(lot_item: Store, resolve: Callable[..., dict[str, Any]]) -> None:
    found = resolve(label("L1", BarcodeFormat.Code128))
    assert (found["kind"], found["item"]["sku"], found["lot"]["expiry"]) == (
        "lot", "SKU-LOT", "2027-12-31",
    )  # fmt: skip


def test_a_gs1_128_with_a_bad_check_digit_is_reported(
    resolve: Callable[..., dict[str, Any]],
) -> None:
    found = resolve(label("(01)05901234123458(10)X", BarcodeFormat.Code128, gs1=True))
    assert found["kind"] == "unknown" and found["matched"] is False
    assert "check digit" in found["problems"][0] and "gtin" not in found
    assert found["gs1"] == {"gtin_error": True, "lot": "X"}


def test_a_wedge_scan_with_a_bad_ean_check_digit(lot_item: Store) -> None:
    found = lot_item.read(resolve_code, "5901234123458", "]E0")
    assert found["kind"] == "unknown" and "Expected 7, got 8" in found["problems"][0]
    assert lot_item.read(resolve_code, "5901234123457", None)["item"]["sku"] == "SKU-1"


def test_orders_pick_lists_and_totes(
    client: TestClient,
    warehouse: Store,
    logged_in: Callable[..., User],
    resolve: Callable[..., dict[str, Any]],
) -> None:
    assert resolve(label("TOTE-1", BarcodeFormat.Code128))["message"] == "tote TOTE-1 (free)"
    logged_in("supervisor")
    created = client.post("/api/orders", json=ORDER)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    assert resolve(label(number, BarcodeFormat.Code128))["order"]["status"] == "allocated"
    line = resolve(label(f"{number}/1", BarcodeFormat.Code128))
    assert line["order"]["line"] == f"{number}/1"
    assert resolve(label(f"{number}/9", BarcodeFormat.Code128))["kind"] == "unknown"
    wave = client.post("/api/waves", json={"max_orders": 5, "orders_per_list": 5})
    assert wave.status_code == 201, wave.text
    [pick_list] = wave.json()["pick_lists"]
    found = resolve(label(pick_list, BarcodeFormat.Code128))
    assert (found["kind"], found["pick_list"]["status"]) == ("pick_list", "open")
    tote = resolve(label("TOTE-1", BarcodeFormat.Code128))
    assert tote["kind"] == "tote"
    assert (tote["tote"]["pick_list"], tote["tote"]["orders"]) == (pick_list, [number])
    assert resolve(label("SO-999", BarcodeFormat.Code128))["message"] == "no order SO-999"


def test_matches_come_first_and_misses_are_named(
    warehouse: Store, scan: Callable[..., Any]
) -> None:
    sheet = side_by_side(label("4006381333931", BarcodeFormat.EAN13),
                         label("9780804816632", BarcodeFormat.EAN13))  # fmt: skip
    flipped = side_by_side(label("9780804816632", BarcodeFormat.EAN13),
                           label("4006381333931", BarcodeFormat.EAN13))  # fmt: skip
    for image in (sheet, flipped):
        body = scan(encode(image, "PNG")).json()
        assert [c["text"] for c in body["codes"]] == ["4006381333931", "9780804816632"]
        first, second = (c["resolution"] for c in body["codes"])
        assert first["item"]["sku"] == "SKU-2" and first["matched"]
        assert second == {"kind": "unknown", "matched": False, "gtin": "09780804816632",
                          "message": "no item has the GTIN 09780804816632",
                          "gs1": {"gtin": "09780804816632"}}  # fmt: skip
        assert body["message"] == "2 codes read; 1 matches the catalog"


def test_a_real_photo_against_the_catalog(
    warehouse: Store, scan: Callable[..., Any], db_path: Any
) -> None:
    photo = encode(open_photo(barcodes_dir() / "ean13-2" / "03.png"), "PNG")
    before = scan(photo).json()
    assert before["message"] == "1 code read; none matches anything in this warehouse"
    warehouse.transact(lambda c: add_item(c, "BOOK-1", "A book", barcodes=[("9780804816632", 1)]))
    after = scan(photo).json()["codes"][0]["resolution"]
    assert (after["kind"], after["item"]["sku"]) == ("item", "BOOK-1")
    with sqlite3.connect(db_path) as conn:  # a scan writes nothing
        assert conn.execute("SELECT count(*) FROM movements").fetchone()[0] == 4
