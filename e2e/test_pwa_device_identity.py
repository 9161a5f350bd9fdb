"""The device's numbering goes wrong (its storage restored from an old copy):
the server answers device_forked or stops at a gap, the browser registers as a
new device, numbers its outbox again, and nothing is lost or doubled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect
from pwa_helpers import app_page, receive_one, sent_log, sync_now, until_sent, wait_synced

if TYPE_CHECKING:
    from conftest import LiveServer


@pytest.mark.parametrize(("next_seq", "answer"), [(1, "device_forked"), (9, "gap")])
def test_a_wrong_seq_makes_a_new_device(
    signed_in: Any, live_server: LiveServer, next_seq: int, answer: str
) -> None:
    url = live_server.url
    context, page = app_page(signed_in, url, "receive")
    receive_one(page, f"UNKNOWN-E2E-{answer}-1")
    until_sent(page, 1)
    wait_synced(page)
    (first,) = sent_log(page)["sent"]
    assert first["seq"] == 1
    device = page.evaluate("window.shelfsync.sync.state.deviceId")

    # an old copy of storage: the next movement gets a seq the server has
    # already seen with another id (device_forked) or one far ahead (gap)
    context.set_offline(True)
    page.evaluate(f"window.shelfsync.db.setMeta({{next_seq: {next_seq}}})")
    page.locator("#scan").press_sequentially(f"UNKNOWN-E2E-{answer}-2")
    page.keyboard.press("Enter")
    expect(page.locator("#pending")).to_have_text("1 to send")
    (waiting,) = sent_log(page)["outbox"]
    assert waiting["seq"] == next_seq
    context.set_offline(False)
    sync_now(page)
    until_sent(page, 2)
    wait_synced(page)

    assert page.evaluate("window.shelfsync.sync.state.deviceId") != device
    sent = {e["id"]: e for e in sent_log(page)["sent"]}
    assert set(sent) == {first["id"], waiting["id"]}
    assert sent[waiting["id"]]["seq"] == 1  # numbered anew under the new device
    for movement_id in sent:
        stored = page.request.get(f"{url}/api/movements/{movement_id}").json()
        assert stored["outcome"] == "held"  # both unknown items, each recorded once
    context.close()
