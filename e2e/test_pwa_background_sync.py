"""Background Sync as an extra trigger: the service worker's sync event (fired
over CDP, as the browser fires it when the network returns) makes the page
flush its outbox, while the loop's own retry is still backing off."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import expect
from pwa_helpers import app_page, receive_one, sent_log

if TYPE_CHECKING:
    from conftest import LiveServer


def test_a_background_sync_event_flushes_the_outbox(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    context, page = app_page(signed_in, url, "receive")
    registrations: list[dict[str, Any]] = []
    cdp = context.new_cdp_session(page)
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(event["registrations"]))  # fmt: skip
    cdp.send("ServiceWorker.enable")

    context.route("**/api/sync/**", lambda route: route.abort())  # the server is unreachable
    receive_one(page, "UNKNOWN-E2E-BGSYNC")
    for n in range(4):  # failures pile up: the loop's next retry is seconds away
        page.evaluate(f"window.shelfsync.sync.sync('fail-{n}', {{force: true}})")
    assert page.evaluate("window.shelfsync.sync.state.lastError") is not None
    context.unroute("**/api/sync/**")

    page.wait_for_timeout(200)
    (registration,) = [r for r in registrations if not r["isDeleted"]][-1:]
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {"origin": url, "registrationId": registration["registrationId"],
         "tag": "shelfsync-outbox", "lastChance": False},
    )  # fmt: skip
    expect(page.locator("#pending")).to_have_text("0 to send", timeout=3000)
    assert page.evaluate("window.shelfsync.sync.state.lastReason") == "background-sync"
    (sent,) = sent_log(page)["sent"]
    assert sent["outcome"] == "held"
    context.close()
