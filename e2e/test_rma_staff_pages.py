"""The way back on a phone in a real Chromium: a supervisor marks a shipment
delivered by hand, makes an RMA from the order's shipped lines (a quantity
beyond what shipped is refused next to its line) and records the refund.
The outcome is checked through the API."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import httpx2
import pytest
from fulfilment_steps import picked_order, stocked_item
from playwright.sync_api import Browser, expect

if TYPE_CHECKING:
    from conftest import LiveServer


def _shipped(client: httpx2.Client, scanner: httpx2.Client, db: Path) -> tuple[str, str]:
    """Order 3 → pick (pushed by a device) → pack → ship; (order number, SKU)."""
    sku, _ = stocked_item(db)
    number = picked_order(client, scanner, sku, 3, "TOTE-38")["number"]
    carton = client.post(f"/api/orders/{number}/cartons", json={}).json()["number"]
    assert client.post(f"/api/cartons/{carton}/items", json={"item": sku, "qty": 3}).is_success
    assert client.post(f"/api/cartons/{carton}/close", json={"weight_kg": 1.2}).is_success
    shipped = client.post(f"/api/orders/{number}/shipments", json={
        "carrier": "DPD", "service": "Next day", "tracking_number": f"DPD-{number}"})  # fmt: skip
    assert shipped.status_code == 201, shipped.text
    return number, sku


def test_delivered_by_hand_an_rma_and_its_refund_on_a_phone(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    with (
        httpx2.Client(base_url=live_server.url, timeout=30) as client,
        httpx2.Client(base_url=live_server.url, timeout=30) as scanner,
    ):
        number, sku = _shipped(client, scanner, live_server.db)
    screenshots = request.config.rootpath / "test-results"
    screenshots.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)  # fmt: skip
    page = context.new_page()
    page.goto(f"{live_server.url}/login?next=/orders/{number}")
    page.get_by_label("Username").fill("supervisor")
    page.get_by_label("Password").fill("supervisor-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#status")).to_have_text("shipped")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    page.locator("#shipments input[name=note]").fill("handed over at the counter")
    page.get_by_role("button", name="delivered").click()
    expect(page.locator("#status")).to_have_text("delivered")
    expect(page.locator("#shipments .shipment-status")).to_have_text("delivered")

    page.get_by_role("link", name="Make an RMA").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Return from {number}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.locator("#qty_1").fill("4")
    page.get_by_label("Why").fill("arrived damaged")
    page.get_by_role("button", name="Authorise the return").click()
    expect(page.locator("#qty_1-error")).to_have_text(
        "at most 3: 3 shipped, 0 already returned or authorised"
    )
    expect(page.get_by_label("Why")).to_have_value("arrived damaged")  # what was typed stays
    page.screenshot(path=str(screenshots / "rma-form-phone-problem.png"), full_page=True)
    page.locator("#qty_1").fill("2")
    page.get_by_role("button", name="Authorise the return").click()
    expect(page.locator("#refund")).to_have_text("none")
    rma = page.url.rsplit("/", 1)[-1]
    assert rma.startswith("RMA-")
    expect(page.locator("#rma-lines")).to_contain_text(sku)

    page.get_by_label("Refund status").select_option("refunded")
    page.get_by_role("button", name="Record the refund").click()
    expect(page.locator("#refund")).to_have_text("refunded")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(screenshots / "rma-phone.png"), full_page=True)
    session = next(c["value"] for c in context.cookies() if c["name"] == "shelfsync_session")
    context.close()

    with httpx2.Client(base_url=live_server.url, timeout=30) as api:
        api.cookies.set("shelfsync_session", session)
        made = api.get(f"/api/rmas/{rma}").json()
        assert [(line["qty"], line["received"]) for line in made["lines"]] == [(2, 0)]
        assert (made["reason"], made["refund_status"]) == ("arrived damaged", "refunded")
        order = api.get(f"/api/orders/{number}").json()
        assert (order["status"], order["payment_status"]) == ("delivered", "refunded")
        assert [(h["from"], h["to"], h["by"]) for h in order["history"]][-2:] == [
            ("shipped", "delivered", "supervisor"),
            ("delivered", "delivered", "supervisor"),  # the refund, noted in the history
        ]
        assert order["history"][-1]["note"] == f"payment pending -> refunded ({rma})"
