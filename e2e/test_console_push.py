"""Web push and resolutions end to end, in a real Chromium against a real server.

An offline count with a large variance on a counter's phone → the supervisor,
who turned notifications on in the console, gets a push (at a receiver on
127.0.0.1, decrypted, payload checked; the same payload delivered to the
supervisor's service worker shows a notification) → resolves it through the
console's pages → the phone shows the resolution after its next pull, until
the counter has seen it.  Also: a picker turns notifications on in the app and
is told of a list given them; the service worker's notifications (tags that
replace, conflicts that add up, only this server's pages) and what a tap
opens; a browser that cannot subscribe; turning on offline; logging out on a
shared browser.

Chromium here reaches no push service, so ``pushManager.subscribe`` cannot
succeed: where a test needs a subscription, the page's is a stand-in that
answers what a browser answers (``push_helpers.STAND_IN``).  Everything else
is the real thing: permission, the server's VAPID key, the subscriptions API,
the sender, aes128gcm, the service worker.
"""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any

import pytest
from console.pushreceiver import BrowserSubscription, Receiver
from playwright.sync_api import BrowserContext, expect
from push_helpers import (
    PushServer,
    b64decode,
    deliver,
    notifications,
    pushes_to,
    registration_id,
    subscribed,
    subscribing_context,
)
from pwa_helpers import (
    PHONE,
    login,
    make_pick_list,
    open_app,
    scan,
    stocked_items,
    sync_now,
    wait_synced,
)

if TYPE_CHECKING:
    from conftest import LiveServer

pytest_plugins = ["push_fixtures"]  # push_server, receiver


def test_offline_count_push_console_resolution_and_the_device_shows_it(
    browser: Any, push_server: PushServer, receiver: Receiver, request: pytest.FixtureRequest
) -> None:
    url = push_server.url
    screenshots = request.config.rootpath / "test-results"
    screenshots.mkdir(exist_ok=True)
    (item,) = stocked_items(push_server.db, 1, skip=30)
    sku, bin_code = item["sku"], item["bin"]

    # the supervisor turns notifications on in the console
    tablet = BrowserSubscription(f"{receiver.base}/push/supervisor-tablet")
    sup = subscribing_context(browser, url, tablet, viewport={"width": 1024, "height": 768})
    console = sup.new_page()
    login(console, url, "supervisor")
    console.goto(f"{url}/console")
    toggle = console.locator("#push-toggle")
    expect(toggle).to_have_text("Turn on")
    expect(console.locator("#push-state")).to_have_text("Notifications off")
    toggle.click()
    expect(console.locator("#push-state")).to_have_text("Notifications on")
    expect(toggle).to_have_text("Turn off")
    key = sup.request.get(f"{url}/api/push/vapid-public-key").json()["public_key"]
    asked = json.loads(console.evaluate("localStorage.getItem('e2e-push-subscription')"))
    assert asked == {"key": b64decode(key), "userVisibleOnly": True}
    listed = sup.request.get(f"{url}/api/push/subscriptions").json()["subscriptions"]
    assert [s["endpoint"] for s in listed] == [tablet.endpoint]
    console.reload()  # the state is read again from both sides
    expect(console.locator("#push-state")).to_have_text("Notifications on")
    console.screenshot(path=str(screenshots / "console-notifications-on.png"))

    # a counter counts a bin offline, far below the book
    phone: BrowserContext = browser.new_context(viewport=PHONE)
    device = phone.new_page()
    login(device, url, "counter")
    open_app(device, url, "count")
    phone.set_offline(True)
    scan(device, item["bin_barcode"])
    scan(device, item["ean"])
    line = device.locator(f".line[data-item='{sku}']")
    expect(line.locator(".qty-input")).to_have_value("1")
    device.locator("#submit-count").click()
    expect(device.locator("#pending")).to_have_text("1 to send")
    phone.set_offline(False)
    wait_synced(device)
    (sent,) = device.evaluate("window.shelfsync.db.allMovements()")["sent"]
    assert (sent["movement"]["kind"], sent["outcome"]) == ("count", "held")

    # one push reaches the supervisor's push service, encrypted for the tablet
    path = "/push/supervisor-tablet"
    deadline = time.monotonic() + 30
    while not pushes_to(receiver, tablet, path) and time.monotonic() < deadline:
        time.sleep(0.2)
    (payload,) = pushes_to(receiver, tablet, path)
    assert payload == {
        "kind": "conflicts",
        "title": "1 new conflict",
        "body": "1 COUNT_VARIANCE",
        "count": 1,
        "codes": {"COUNT_VARIANCE": 1},
        "url": "/console/conflicts",
    }
    # ...and the tablet's service worker shows it
    cdp = sup.new_cdp_session(console)
    deliver(cdp, url, registration_id(cdp, console, f"{url}/"), payload)
    (shown,) = notifications(console, 1)
    assert (shown["title"], shown["body"], shown["tag"]) == (
        "1 new conflict", "1 COUNT_VARIANCE", "shelfsync-conflicts",
    )  # fmt: skip
    assert shown["data"]["url"] == "/console/conflicts"

    # the supervisor resolves it through the console's pages
    console.goto(f"{url}{payload['url']}?item={sku}")
    console.get_by_role("link", name="COUNT_VARIANCE").first.click()
    expect(console.get_by_role("heading", level=1)).to_contain_text("COUNT_VARIANCE")
    console.get_by_label("Action").select_option("accept")
    reason = "the rest went to the returns cage"
    console.get_by_label("Reason (kept with the resolution)").fill(reason)
    console.get_by_role("button", name="Resolve").click()
    expect(console.get_by_role("status")).to_contain_text("Resolved: accept.")

    # the phone's next pull brings it, and the counter sees it until they say so
    expect(device.locator(".notice")).to_have_count(0)
    sync_now(device)
    notice = device.locator(f".notice[data-movement='{sent['id']}']")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("data-action", "accept")
    expect(notice.locator(".notice-text")).to_contain_text(f"Your count of 1 × {sku}")
    expect(notice.locator(".notice-text")).to_contain_text(
        f"at {bin_code} was accepted by supervisor."
    )
    expect(notice.locator(".notice-reason")).to_have_text(f"Reason: “{reason}”")
    device.screenshot(path=str(screenshots / "pwa-resolution-notice.png"), full_page=True)
    phone.set_offline(True)
    device.reload()  # kept on the device, shown offline too
    device.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(notice).to_be_visible()
    notice.get_by_role("button", name="Seen").click()
    expect(device.locator(".notice")).to_have_count(0)
    expect(device.locator("#notices")).to_be_hidden()
    device.reload()
    device.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(device.locator("#notices")).to_be_hidden()
    phone.set_offline(False)
    device.evaluate("window.shelfsync.db.setMeta({cursor: null})")  # the next pull resets...
    sync_now(device)
    assert device.evaluate("window.shelfsync.db.getMeta()")["cursor"] is not None
    expect(device.locator(".notice")).to_have_count(0)  # ...and what was seen stays seen
    (kept,) = device.evaluate("window.shelfsync.db.all('notices')")
    assert (kept["movement"], kept["action"], kept["reason"]) == (sent["id"], "accept", reason)
    assert kept["seen_at"]

    # the supervisor turns notifications off: gone on both sides
    console.goto(f"{url}/console")
    expect(console.locator("#push-state")).to_have_text("Notifications on")
    console.locator("#push-toggle").click()
    expect(console.locator("#push-state")).to_have_text("Notifications off")
    assert console.evaluate("localStorage.getItem('e2e-push-subscription')") is None
    assert sup.request.get(f"{url}/api/push/subscriptions").json()["subscriptions"] == []
    phone.close()
    sup.close()


def test_a_picker_turns_notifications_on_in_the_app_and_is_told_of_a_list(
    browser: Any, push_server: PushServer, receiver: Receiver
) -> None:
    url = push_server.url
    handheld = BrowserSubscription(f"{receiver.base}/push/picker-handheld")
    context = subscribing_context(browser, url, handheld, viewport=PHONE)
    page = context.new_page()
    login(page, url, "picker")
    open_app(page, url, "count")
    expect(page.locator("#push-state")).to_have_text("Notifications off")
    page.get_by_role("button", name="Turn notifications on").click()
    expect(page.locator("#push-state")).to_have_text("Notifications on")

    sup: BrowserContext = browser.new_context()
    login(sup.new_page(), url, "supervisor")
    listed = make_pick_list(sup.request, url, stocked_items(push_server.db, 1, skip=40))
    number = listed["number"]
    path = "/push/picker-handheld"
    deadline = time.monotonic() + 30
    while not pushes_to(receiver, handheld, path) and time.monotonic() < deadline:
        time.sleep(0.2)
    (payload,) = pushes_to(receiver, handheld, path)
    assert (payload["kind"], payload["list"], payload["url"]) == ("pick_list", number, "/app#pick")
    assert payload["title"] == f"Pick list {number} is yours"

    cdp = context.new_cdp_session(page)
    deliver(cdp, url, registration_id(cdp, page, f"{url}/"), payload)
    (shown,) = notifications(page, 1)
    assert (shown["title"], shown["tag"]) == (payload["title"], f"shelfsync-pick_list-{number}")
    (worker,) = context.service_workers
    worker.evaluate(
        """async () => {
          const [n] = await self.registration.getNotifications();
          self.dispatchEvent(new NotificationEvent("notificationclick", {notification: n}));
        }"""
    )
    page.wait_for_function("location.hash === '#pick'")
    sync_now(page)
    expect(page.locator(f"[data-list='{number}']")).to_be_visible()
    sup.close()
    context.close()


def test_the_service_worker_shows_pushes_and_a_tap_opens_the_pick_list(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    context = signed_in("picker", viewport=PHONE)
    context.grant_permissions(["notifications"], origin=url)
    page = context.new_page()
    open_app(page, url, "count")
    cdp = context.new_cdp_session(page)
    registration = registration_id(cdp, page, f"{url}/")

    def assigned(number: str, picks: int, link: str = "/app#pick") -> dict[str, Any]:
        return {"kind": "pick_list", "title": f"Pick list {number} is yours",
                "body": f"{picks} picks in zone A", "list": number, "url": link}  # fmt: skip

    deliver(cdp, url, registration, assigned("PL-901", 3))
    deliver(cdp, url, registration, assigned("PL-902", 2, "https://elsewhere.example/x"))
    notifications(page, 2)
    deliver(cdp, url, registration, assigned("PL-901", 4))  # the same list again: replaced
    first, second = notifications(page, 2, until=lambda shown: "4" in shown[0]["body"])
    assert (first["title"], first["body"], first["tag"]) == (
        "Pick list PL-901 is yours", "4 picks in zone A", "shelfsync-pick_list-PL-901",
    )  # fmt: skip
    assert first["data"]["url"] == "/app#pick"
    assert second["data"]["url"] == "/app#pick"  # never a page of another site

    # a tap on it (dispatched in the worker, as Chromium does): the open app goes to Pick
    assert page.evaluate("location.hash") == "#count"
    (worker,) = context.service_workers
    worker.evaluate(
        """async () => {
          const [n] = await self.registration.getNotifications({tag: "shelfsync-pick_list-PL-901"});
          self.dispatchEvent(new NotificationEvent("notificationclick", {notification: n}));
        }"""
    )
    page.wait_for_function("location.hash === '#pick'")
    expect(page.locator(".tabs a[data-screen='pick']")).to_have_attribute("aria-current", "page")
    (left,) = notifications(page, 1)
    assert left["tag"] == "shelfsync-pick_list-PL-902"  # the tapped one is closed

    # conflicts pushes add up while their notification is on screen
    def conflicts(codes: dict[str, int]) -> dict[str, Any]:
        n = sum(codes.values())
        return {"kind": "conflicts", "title": f"{n} new conflicts", "body": "…", "count": n,
                "codes": codes, "url": "/console/conflicts"}  # fmt: skip

    deliver(cdp, url, registration, conflicts({"COUNT_VARIANCE": 1}))
    notifications(page, 2)
    deliver(cdp, url, registration, conflicts({"UNKNOWN_ITEM": 2, "COUNT_VARIANCE": 1}))
    shown, _ = notifications(page, 2, until=lambda shown: shown[0]["data"]["count"] == 4)
    assert (shown["tag"], shown["title"], shown["body"]) == (
        "shelfsync-conflicts", "4 new conflicts", "2 COUNT_VARIANCE, 2 UNKNOWN_ITEM",
    )  # fmt: skip
    context.close()


def test_turning_on_without_a_push_service_says_so_and_saves_nothing(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    context = signed_in("picker", viewport=PHONE)
    context.grant_permissions(["notifications"], origin=url)
    page = context.new_page()
    open_app(page, url, "pick")
    before = context.request.get(f"{url}/api/push/subscriptions").json()["subscriptions"]
    expect(page.locator("#push-state")).to_have_text("Notifications off")
    page.locator("#push-toggle").click()
    expect(page.locator("#push-state")).to_contain_text(
        "Notifications off · this browser could not subscribe", timeout=30000
    )
    expect(page.locator("#push-toggle")).to_have_text("Turn on")
    assert context.request.get(f"{url}/api/push/subscriptions").json()["subscriptions"] == before
    context.close()


def test_someone_elses_subscription_on_a_shared_browser_is_dropped(
    browser: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    sub = BrowserSubscription("http://127.0.0.1:9/push/shared-tablet")
    context = subscribing_context(browser, url, sub)
    page = context.new_page()
    login(page, url, "supervisor")
    page.goto(f"{url}/console")
    expect(page.locator("#push-state")).to_have_text("Notifications off")
    context.set_offline(True)  # no server to tell: stays off, and says why
    page.locator("#push-toggle").click()
    expect(page.locator("#push-state")).to_have_text(
        "Notifications off · no connection to the server"
    )
    assert page.evaluate("localStorage.getItem('e2e-push-subscription')") is None
    context.set_offline(False)
    page.locator("#push-toggle").click()
    expect(page.locator("#push-state")).to_have_text("Notifications on")
    assert subscribed(live_server.db, sub.endpoint) == ["supervisor"]
    page.get_by_role("button", name="Log out").click()  # and the admin logs in on it
    page.wait_for_url(re.compile(r"/login"))
    assert subscribed(live_server.db, sub.endpoint) == []  # logging out forgot it
    login(page, url, "admin")
    page.goto(f"{url}/console")
    expect(page.locator("#push-state")).to_have_text("Notifications off")
    assert page.evaluate("localStorage.getItem('e2e-push-subscription')") is None
    admin = context.request.get(f"{url}/api/push/subscriptions").json()
    assert (admin["username"], admin["subscriptions"]) == ("admin", [])
    context.close()
