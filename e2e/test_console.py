"""The supervisor console in a real Chromium: a held count resolved on a tablet.

A counter's device (through the API) counts far less than the book; the
supervisor finds the conflict in the inbox, accepts it with a reason, and the
device sees the outcome on its next pull.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import APIRequestContext, Browser, Page, expect
from pwa_helpers import PHONE, login, tables_fit

if TYPE_CHECKING:
    from conftest import LiveServer


def _fullest_reserve_bin(db: Path) -> tuple[str, str, int]:
    """(SKU, bin code, on hand) of the reserve bin holding the most of one untracked item."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT i.sku, l.code, s.on_hand FROM stock s JOIN items i ON i.id = s.item_id"
            " JOIN locations l ON l.id = s.location_id"
            " WHERE l.kind = 'reserve' AND i.tracking = 'none'"
            " ORDER BY s.on_hand DESC, l.code LIMIT 1"
        ).fetchone()
    finally:
        conn.close()
    assert row is not None and row[2] >= 20, "the demo has no well-stocked reserve bin"
    return row[0], row[1], int(row[2])


def _post(api: APIRequestContext, url: str, body: dict[str, Any], token: str) -> Any:
    answer = api.post(url, data=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.ok, answer.text()
    return answer.json()


def test_a_supervisor_resolves_a_held_count_on_a_tablet(
    page: Page, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    base = live_server.url
    sku, bin_code, book = _fullest_reserve_bin(live_server.db)
    api = page.context.request
    device = api.post(
        f"{base}/api/devices",
        data={"name": "counter-tablet", "username": "counter", "password": "counter-demo"},
    ).json()
    token, device_id = device["token"], device["device_id"]

    def pull(cursor: int | None) -> Any:
        body = {"protocol": 1, "device_id": device_id, "cursor": cursor, "limit": 5000}
        return _post(api, f"{base}/api/sync/pull", body, token)

    pulled = pull(None)
    while pulled["more"]:
        pulled = pull(pulled["cursor"])
    cursor = pulled["cursor"]
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    count = {
        "id": str(uuid.uuid4()),
        "seq": 1,
        "kind": "count",
        "user": "counter",
        "recorded_at": now,
        "basis": cursor,
        "item": sku,
        "to": bin_code,
        "qty": book // 2,
    }
    pushed = _post(
        api,
        f"{base}/api/sync/push",
        {
            "protocol": 1,
            "device_id": device_id,
            "epoch": device["epoch"],
            "device_time": now,
            "movements": [count],
        },
        token,
    )
    assert pushed["results"][0]["outcome"] == "held"

    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(f"{base}/console/conflicts?item={sku}")
    page.get_by_label("Username").fill("supervisor")
    page.get_by_label("Password").fill("supervisor-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/console/conflicts"))
    screenshots = request.config.rootpath / "test-results"
    screenshots.mkdir(exist_ok=True)
    page.screenshot(path=str(screenshots / "console-inbox.png"), full_page=True)
    page.get_by_role("link", name=re.compile(r"COUNT_VARIANCE")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("COUNT_VARIANCE")
    expect(page.locator(".facts")).to_contain_text(f"before {book}")
    page.get_by_label("Action").select_option("accept")
    page.get_by_label("Reason (kept with the resolution)").fill("half the pallet went to B")
    page.screenshot(path=str(screenshots / "console-conflict.png"), full_page=True)
    # the recount's checkbox sits beside its words, not on a line of its own
    box = page.get_by_label("Recount: let the counter see the book quantity").bounding_box()
    words = page.get_by_text("Recount: let the counter see the book quantity").bounding_box()
    assert box is not None and words is not None
    assert box["x"] + box["width"] <= words["x"] + 40
    assert abs(box["y"] - words["y"]) < words["height"]
    page.get_by_role("button", name="Resolve").click()
    expect(page.get_by_role("status")).to_contain_text("Resolved: accept.")
    expect(page.locator(".facts")).to_contain_text(f"now {book // 2}")

    results = pull(cursor)
    [mine] = [r for r in results["changes"]["results"] if r["id"] == count["id"]]
    assert mine["outcome"] == "applied"
    assert [(r["action"], r["by"]) for r in mine["resolutions"]] == [("accept", "supervisor")]
    stock = {r["location"]: r["on_hand"] for r in results["changes"]["stock"] if r["item"] == sku}
    assert stock[bin_code] == book // 2

    page.goto(f"{base}/console")
    page.screenshot(path=str(screenshots / "console-dashboard.png"), full_page=True)


def test_the_console_fits_a_phone(browser: Browser, live_server: LiveServer) -> None:
    """At 360 px every label and value of the dashboard's bar charts is inside its
    chart (the stock value by location kind is seven digits and cents), and the
    inbox, devices and audit tables show a card per row instead of scrolling."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/console")
    outside = page.evaluate(
        """() => [...document.querySelectorAll('svg.bars')].flatMap((svg) => {
              const width = svg.viewBox.baseVal.width;
              return [...svg.querySelectorAll('text')]
                .filter((t) => t.getBBox().x + t.getBBox().width > width
                               || t.getBBox().x < 0)
                .map((t) => t.textContent);
           })"""
    )
    assert page.locator("svg.bars").count() >= 2
    assert outside == []
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    # the inbox, the fleet and the audit trail: a card per row, nothing to scroll
    for path in ("/console/conflicts?state=all", "/console/devices", "/console/audit"):
        page.goto(f"{live_server.url}{path}")
        labelled = page.locator("table.cards td[data-label]")
        assert labelled.count() >= 1, f"{path}: no rows to look at"
        expect(labelled.first).to_be_visible()
        assert tables_fit(page), f"{path}: a table scrolls sideways"
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    context.close()


@pytest.mark.parametrize("width", [1280, 768])
def test_every_devices_revoke_button_is_in_sight_on_a_tablet_and_a_desktop(
    browser: Browser, live_server: LiveServer, width: int
) -> None:
    """The fleet stays a table above the phone's cards: its reason field and
    Revoke button fit their cell, nothing scrolls sideways to reach them."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    login(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/console/devices")
    buttons = page.get_by_role("button", name="Revoke")
    assert buttons.count() >= 1, "no device to revoke"
    assert tables_fit(page), "the devices table scrolls sideways"
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box is not None and box["x"] + box["width"] <= width, f"Revoke {i} is off screen"
    context.close()
