"""The server is restored to an older backup while the device holds movements
the server had acknowledged: the device notices the new epoch, pulls with reset
and pushes its sent log again — what the backup had replays, what it lacked
posts, nothing is lost and nothing counted twice."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Browser, expect
from pwa_helpers import (
    PHONE,
    login,
    on_hand,
    open_app,
    scan,
    sent_log,
    stocked_items,
    until_sent,
    wait_synced,
)

if TYPE_CHECKING:
    from conftest import OwnServer


def test_restore_to_an_older_backup_loses_nothing(
    browser: Browser, own_server: OwnServer, tmp_path: Path
) -> None:
    url = own_server.url
    (item,) = stocked_items(own_server.db, 1, skip=30)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login(page, url, "picker")
    open_app(page, url, "receive")
    api = page.request
    before = on_hand(api, url, item["sku"], "DOCK-1")

    scan(page, "DOCK-1")
    scan(page, item["ean"])  # A: in the backup
    until_sent(page, 1)
    wait_synced(page)
    backup = tmp_path / "older.db"
    own_server.cli("backup", str(backup))
    scan(page, item["ean"])  # B and C: acknowledged, then lost by the restore
    scan(page, item["ean"])
    until_sent(page, 3)
    expect(page.locator("#pending")).to_have_text("0 to send")
    wait_synced(page)
    acked = sorted(sent_log(page)["sent"], key=lambda e: e["seq"])
    assert len(acked) == 3 and all(e["outcome"] == "applied" for e in acked)
    assert on_hand(api, url, item["sku"], "DOCK-1") == before + 3

    own_server.stop()
    scan(page, item["ean"])  # D: made while the server is down
    expect(page.locator("#pending")).to_have_text("1 to send")
    own_server.cli("restore", str(backup))
    own_server.start()
    lost = api.get(f"{url}/api/movements/{acked[1]['id']}")
    assert lost.status == 404  # the restored server never heard of B

    page.evaluate("window.shelfsync.sync.sync('test', {force: true})")
    wait_synced(page)
    for entry in acked:
        stored = api.get(f"{url}/api/movements/{entry['id']}")
        assert stored.ok, stored.text()
        assert stored.json()["outcome"] == "applied"
    assert on_hand(api, url, item["sku"], "DOCK-1") == before + 4  # A, B, C, D once each
    log = sent_log(page)
    assert log["outbox"] == [] and len(log["sent"]) == 4
    replayed = {e["id"]: e["replayed"] for e in log["sent"]}
    assert replayed[acked[0]["id"]] is True  # the backup had A: a replay
    assert replayed[acked[1]["id"]] is False and replayed[acked[2]["id"]] is False  # posted
    context.close()


def test_restore_to_a_backup_from_before_the_device_registered(
    browser: Browser, own_server: OwnServer, tmp_path: Path
) -> None:
    """The restored server does not know the device's token (401): the browser
    registers again with its session, and pushes its sent log as a new device."""
    url = own_server.url
    backup = tmp_path / "before-the-device.db"
    own_server.cli("backup", str(backup))
    (item,) = stocked_items(own_server.db, 1, skip=31)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    login(page, url, "picker")
    open_app(page, url, "receive")
    api = page.request
    before = on_hand(api, url, item["sku"], "DOCK-2")
    first_device = page.evaluate("window.shelfsync.sync.state.deviceId")
    scan(page, "DOCK-2")
    scan(page, item["ean"])
    scan(page, item["ean"])
    until_sent(page, 2)
    expect(page.locator("#pending")).to_have_text("0 to send")
    wait_synced(page)
    acked = [e["id"] for e in sent_log(page)["sent"]]
    assert len(acked) == 2

    own_server.stop()
    own_server.cli("restore", str(backup))
    own_server.start()
    page.evaluate("window.shelfsync.sync.sync('test', {force: true})")
    wait_synced(page)
    assert page.evaluate("window.shelfsync.sync.state.deviceId") != first_device
    for movement_id in acked:
        stored = api.get(f"{url}/api/movements/{movement_id}")
        assert stored.ok and stored.json()["outcome"] == "applied", stored.text()
    assert on_hand(api, url, item["sku"], "DOCK-2") == before + 2
    context.close()
