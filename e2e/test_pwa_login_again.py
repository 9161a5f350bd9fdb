"""The server stops knowing the device's token and the session has ended: the
app asks to log in again and keeps every pending movement; after logging in it
registers again and sends them.  Logging out with movements pending asks first
and keeps them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect
from pwa_helpers import app_page, login, receive_one, sent_log, sync_now, wait_synced

if TYPE_CHECKING:
    from conftest import LiveServer


def test_log_in_again_keeps_the_outbox(signed_in: Any, live_server: LiveServer) -> None:
    url = live_server.url
    context, page = app_page(signed_in, url, "receive")
    context.set_offline(True)
    receive_one(page, "UNKNOWN-E2E-LOGIN")
    (waiting,) = sent_log(page)["outbox"]

    # the server no longer knows this token, and the session is gone
    page.evaluate("window.shelfsync.db.setMeta({token: 'a-token-the-server-never-made'})")
    context.clear_cookies()
    context.set_offline(False)
    login_link = page.get_by_role("link", name="Log in")
    expect(login_link).to_be_visible()
    expect(page.locator("#alerts")).to_contain_text("They are kept on this device")
    assert [e["id"] for e in sent_log(page)["outbox"]] == [waiting["id"]]

    login_link.click()
    page.get_by_label("Username").fill("picker")
    page.get_by_label("Password").fill("picker-demo")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/app")
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    wait_synced(page)
    (sent,) = sent_log(page)["sent"]
    assert sent["id"] == waiting["id"]
    stored = page.request.get(f"{url}/api/movements/{waiting['id']}").json()
    assert stored["outcome"] == "held"
    assert [c["code"] for c in stored["conflicts"]] == ["UNKNOWN_ITEM"]
    context.close()


def test_log_out_with_pending_movements_asks_and_keeps_them(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    context, page = app_page(signed_in, url, "receive")
    context.set_offline(True)
    receive_one(page, "UNKNOWN-E2E-LOGOUT")
    asked = []

    def answer(dialog):  # type: ignore[no-untyped-def]
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer)
    page.get_by_role("button", name="Log out").click()
    for _ in range(100):  # the app tries to sync first, then asks
        if asked:
            break
        page.wait_for_timeout(50)
    expect(page.locator("#pending")).to_have_text("1 to send")
    assert asked and "1 scan is not sent yet" in asked[0]
    assert page.url.startswith(f"{url}/app")  # still logged in: nothing dropped

    # online, but the server cannot be reached for sync: log out anyway
    context.route("**/api/sync/**", lambda route: route.abort())
    context.set_offline(False)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{url}/login")
    context.unroute("**/api/sync/**")
    login(page, url, "picker")
    page.goto(f"{url}/app#receive")
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    sync_now(page)
    wait_synced(page)
    (sent,) = sent_log(page)["sent"]
    assert sent["movement"]["item"] == "UNKNOWN-E2E-LOGOUT"
    context.close()
