"""The packing station in a real Chromium, driven as a keyboard-wedge scanner does
(type the code, press Enter) on a phone-sized screen: a wrong item is refused on
screen, the right one is packed, the carton closed with its weight, and the order
is packed (checked by API); shipping with the carrier left empty is stopped by the
form itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx2
from fulfilment_steps import other_ean, picked_order, stocked_item
from playwright.sync_api import Page, expect
from pwa_helpers import tables_fit

if TYPE_CHECKING:
    from conftest import LiveServer


def test_a_packer_scans_an_order_into_a_carton(page: Page, live_server: LiveServer) -> None:
    sku, ean = stocked_item(live_server.db)
    wrong_sku, wrong_ean = other_ean(live_server.db, sku)
    with (
        httpx2.Client(base_url=live_server.url, timeout=30) as client,
        httpx2.Client(base_url=live_server.url, timeout=30) as scanner,
    ):
        number = picked_order(client, scanner, sku, 3, "TOTE-39")["number"]

        page.set_viewport_size({"width": 360, "height": 740})
        page.goto(f"{live_server.url}/pack")
        page.get_by_label("Username").fill("picker")  # any role packs
        page.get_by_label("Password").fill("picker-demo")
        page.get_by_role("button", name="Log in").click()
        page.get_by_label("Order number").fill(number)
        page.get_by_label("Order number").press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text(f"Pack {number}")
        assert tables_fit(page)  # the order's lines, every column on the screen
        page.get_by_role("button", name="Open a carton").click()
        expect(page.get_by_role("status")).to_contain_text("opened at PACK-1")

        scan = page.get_by_label("Item barcode")
        expect(scan).to_be_focused()  # the scanner types straight into it
        page.keyboard.type(wrong_ean)  # an item that is not on the order
        page.keyboard.press("Enter")
        expect(page.get_by_role("alert")).to_contain_text(
            f"wrong item: {wrong_sku} is not on {number}"
        )
        page.get_by_label("Quantity").fill("3")
        page.get_by_label("Item barcode").fill(ean)
        page.get_by_label("Item barcode").press("Enter")
        expect(page.get_by_role("status")).to_contain_text(f"Packed 3 × {ean}")
        page.get_by_label("Weight (kg)").fill("1,4")
        page.get_by_label("Weight (kg)").press("Enter")
        expect(page.get_by_role("status")).to_contain_text("closed at 1.4 kg")
        expect(page.get_by_role("button", name="Ship the closed cartons")).to_be_visible()
        page.get_by_role("button", name="Ship the closed cartons").click()
        assert page.get_by_label("Carrier").evaluate("(el) => el.validity.valueMissing")
        expect(page.get_by_role("alert")).to_have_count(0)  # not sent: nothing to refuse

        order = client.get(f"/api/orders/{number}").json()
        assert order["status"] == "packed"
        packing = client.get(f"/api/orders/{number}/packing").json()
        assert [(c["status"], c["weight_kg"]) for c in packing["cartons"]] == [("closed", 1.4)]
        stock = client.get("/api/stock", params={"item": sku, "location": "PACK-1"}).json()
        assert [r["on_hand"] for r in stock["stock"]] == [3]
