"""Web push and resolutions end to end, in a real Chromium against a real server.

An offline count with a large variance on a counter's phone → the supervisor,
who turned notifications on in the console, gets a push (at a receiver on
127.0.0.1, decrypted, payload checked; the same payload delivered to the
supervisor's service worker shows a notification) → resolves it through the
console's pages → the phone shows the resolution after its next pull, until
the counter has seen it.  Also: a picker turns notifications on in the app and
is told of a list given them; the service worker's notifications (tags that
replace, conflicts that add up, only this server's pages) and what a tap
opens; a browser that cannot subscribe; someone else's subscription on a
shared browser; the words of each kind of notice.

Chromium here reaches no push service, so ``pushManager.subscribe`` cannot
succeed: in the supervisor's pages it is replaced by a stand-in that answers
what a browser answers — a subscription with a P-256 key and an auth secret
(made in Python, so the test can decrypt) whose endpoint is the local
receiver.  Everything else is the real thing: permission, the server's VAPID
key, the subscriptions API, the sender, aes128gcm, the service worker.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from console.pushreceiver import BrowserSubscription, Receiver, start_receiver
from liveserver import ROOT, cli, free_port, server_env, start_server
from playwright.sync_api import BrowserContext, CDPSession, Page, expect
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

# What the page gets instead of the browser's push service (see the docstring).
STAND_IN = """
(() => {
  const sub = %s;
  const KEY = "e2e-push-subscription";
  const make = (saved) => ({
    endpoint: sub.endpoint,
    expirationTime: null,
    options: { applicationServerKey: new Uint8Array(saved.key).buffer,
               userVisibleOnly: saved.userVisibleOnly },
    toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
    unsubscribe: async () => { localStorage.removeItem(KEY); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const saved = { key: Array.from(new Uint8Array(options.applicationServerKey)),
                    userVisibleOnly: options.userVisibleOnly };
    localStorage.setItem(KEY, JSON.stringify(saved));
    return make(saved);
  };
  PushManager.prototype.getSubscription = async function () {
    const saved = localStorage.getItem(KEY);
    return saved ? make(JSON.parse(saved)) : null;
  };
})();
"""


class PushServer:
    def __init__(self, url: str, db: Path) -> None:
        self.url, self.db = url, db


@pytest.fixture
def push_server(live_server: LiveServer, tmp_path: Path) -> Iterator[PushServer]:
    """A copy of the demo warehouse whose server sends pushes every second."""
    db = tmp_path / "push.db"
    subprocess.run(cli("backup", str(db), "--db", str(live_server.db)), cwd=ROOT,
                   env=server_env(), check=True, capture_output=True)  # fmt: skip
    port = free_port()
    process = start_server(db, port, tmp_path / "push.log",
                           {"SHELFSYNC_PUSH_INTERVAL_SECONDS": "1"})  # fmt: skip
    try:
        caught_up(db)
        yield PushServer(f"http://127.0.0.1:{port}", db)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def caught_up(db: Path) -> None:
    """Until the server's sender has been through the conflicts the copy came with
    (its first round), so what it pushes next is what the test made."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            newest = conn.execute("SELECT coalesce(max(id), 0) FROM conflicts").fetchone()[0]
            seen = conn.execute(
                "SELECT value FROM meta WHERE key = 'push_conflicts_seen'"
            ).fetchone()
        finally:
            conn.close()
        if seen is not None and int(seen[0]) >= newest:
            return
        time.sleep(0.2)
    raise AssertionError("the server's push sender did not run")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = start_receiver()
    yield r
    r.close()


def registration_id(cdp: CDPSession, page: Page, scope: str) -> str:
    """The service worker registration's id for ``scope``, as DevTools knows it."""
    found: dict[str, str] = {}

    def updated(event: dict[str, Any]) -> None:
        for r in event["registrations"]:
            if not r.get("isDeleted"):
                found[r["scopeURL"]] = r["registrationId"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", updated)
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 15
    while scope not in found and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert scope in found, f"no service worker registration for {scope}: {found}"
    return found[scope]


def deliver(cdp: CDPSession, origin: str, registration: str, payload: dict[str, Any]) -> None:
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration, "data": json.dumps(payload)},
    )


def notifications(
    page: Page, count: int, until: Callable[[list[dict[str, Any]]], bool] = lambda shown: True
) -> list[dict[str, Any]]:
    """The notifications the service worker shows (by tag), once there are ``count``
    and ``until`` holds for them."""
    deadline = time.monotonic() + 15
    while True:
        shown: list[dict[str, Any]] = sorted(
            page.evaluate(
                """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                     .map((n) => ({title: n.title, body: n.body, tag: n.tag, data: n.data}))"""
            ),
            key=lambda n: n["tag"],
        )
        if (len(shown) == count and until(shown)) or time.monotonic() > deadline:
            break
        page.wait_for_timeout(100)
    assert len(shown) == count, shown
    return shown


def b64decode(text: str) -> list[int]:
    return list(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def pushes_to(receiver: Receiver, sub: BrowserSubscription, path: str) -> list[dict[str, Any]]:
    return [sub.decrypt(r.body) for r in list(receiver.received) if r.path == path]


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
    sup: BrowserContext = browser.new_context(viewport={"width": 1024, "height": 768})
    sup.grant_permissions(["notifications"], origin=url)
    sup.add_init_script(STAND_IN % json.dumps(tablet.as_json()))
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
    context: BrowserContext = browser.new_context(viewport=PHONE)
    context.grant_permissions(["notifications"], origin=url)
    context.add_init_script(STAND_IN % json.dumps(handheld.as_json()))
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


def subscribed(db: Path, endpoint: str) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT username FROM push_subscriptions WHERE endpoint = ?", (endpoint,)
        ).fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows]


def test_someone_elses_subscription_on_a_shared_browser_is_dropped(
    browser: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    sub = BrowserSubscription("http://127.0.0.1:9/push/shared-tablet")
    context: BrowserContext = browser.new_context()
    context.grant_permissions(["notifications"], origin=url)
    context.add_init_script(STAND_IN % json.dumps(sub.as_json()))
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


# The floor app's storage as it was before notices (version 1), with one device.
STORAGE_V1 = """
async ({ meta, sent }) => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("shelfsync", 1);
    request.onupgradeneeded = () => {
      const d = request.result;
      d.createObjectStore("meta", { keyPath: "key" });
      const outbox = d.createObjectStore("outbox", { keyPath: "id" });
      outbox.createIndex("seq", "seq");
      outbox.createIndex("task", "task");
      const s = d.createObjectStore("sent", { keyPath: "id" });
      s.createIndex("seq", "seq");
      s.createIndex("task", "task");
      s.createIndex("acked_at", "acked_at");
      d.createObjectStore("items", { keyPath: "sku" });
      d.createObjectStore("barcodes", { keyPath: "code" }).createIndex("sku", "sku");
      d.createObjectStore("locations", { keyPath: "code" }).createIndex("barcode", "barcode");
      d.createObjectStore("lots", { keyPath: ["item", "code"] }).createIndex("code", "code");
      const stock = d.createObjectStore("stock", { keyPath: ["item", "location", "lot"] });
      stock.createIndex("item", "item");
      stock.createIndex("location", "location");
      d.createObjectStore("tasks", { keyPath: "id" });
      d.createObjectStore("drafts", { keyPath: "id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction(["meta", "sent"], "readwrite");
    for (const [key, value] of Object.entries(meta)) tx.objectStore("meta").put({ key, value });
    tx.objectStore("sent").put(sent);
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}
"""


def test_resolutions_from_before_the_upgrade_are_not_news(
    signed_in: Any, live_server: LiveServer
) -> None:
    """A device that upgrades from the app before notices is not shown every
    resolution of the last 30 days; one made after the upgrade is shown."""
    url = live_server.url
    (item,) = stocked_items(live_server.db, 1, skip=60)
    sup = signed_in("supervisor")
    api = sup.request
    context = signed_in("counter", viewport=PHONE)
    device = context.request.post(
        f"{url}/api/devices",
        data={"name": "old-app", "username": "counter", "password": "counter-demo"},
    ).json()
    auth = {"Authorization": f"Bearer {device['token']}"}

    def pull(cursor: int | None) -> Any:
        body = {"protocol": 1, "device_id": device["device_id"], "cursor": cursor, "limit": 5000}
        answer = context.request.post(f"{url}/api/sync/pull", data=body, headers=auth)
        assert answer.ok, answer.text()
        return answer.json()

    pulled = pull(None)
    while pulled["more"]:
        pulled = pull(pulled["cursor"])

    def held_count(seq: int, action: str) -> dict[str, Any]:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        count = {"id": str(uuid.uuid4()), "seq": seq, "kind": "count", "user": "counter",
                 "recorded_at": now, "basis": pulled["cursor"], "item": item["sku"],
                 "to": item["bin"], "qty": 0}  # fmt: skip
        body = {"protocol": 1, "device_id": device["device_id"], "epoch": device["epoch"],
                "device_time": now, "movements": [count]}  # fmt: skip
        pushed = context.request.post(f"{url}/api/sync/push", data=body, headers=auth).json()
        assert pushed["results"][0]["outcome"] == "held", pushed
        conflicts = api.get(f"{url}/api/conflicts", params={"item": item["sku"]}).json()
        (conflict,) = [c for c in conflicts["conflicts"] if c["movement"] == count["id"]]
        done = api.post(f"{url}/api/conflicts/{conflict['id']}/resolve",
                        data={"action": action, "reason": f"{action} e2e"})  # fmt: skip
        assert done.status == 201, done.text()
        return count

    old = held_count(1, "void")  # resolved while the device ran the old app...
    time.sleep(6)  # ...longer ago than the clocks' margin (5 s) when it upgrades
    page = context.new_page()
    page.goto(f"{url}/")
    page.evaluate(
        STORAGE_V1,
        {
            "meta": {"device_id": device["device_id"], "token": device["token"],
                     "epoch": device["epoch"], "username": "counter", "cursor": pulled["cursor"],
                     "device_last_seq": 1, "next_seq": 2, "next_n": 2},
            "sent": {"id": old["id"], "seq": 1, "n": 1, "task": None, "at": old["recorded_at"],
                     "movement": old, "device": device["device_id"], "acked_at": old["recorded_at"],
                     "outcome": "held", "replayed": False, "code": "COUNT_VARIANCE",
                     "server_seq": None, "message": None},
        },
    )  # fmt: skip
    open_app(page, url, "count")  # upgrades the storage, then pulls the resolution
    assert page.evaluate(f"window.shelfsync.db.get('sent', '{old['id']}')")["outcome"] == "voided"
    assert page.evaluate("window.shelfsync.db.all('notices')") == []
    expect(page.locator(".notice")).to_have_count(0)

    new = held_count(2, "accept")  # decided after the upgrade: news
    sync_now(page)
    notice = page.locator(f".notice[data-movement='{new['id']}']")
    expect(notice).to_be_visible()
    expect(notice.locator(".notice-reason")).to_have_text("Reason: “accept e2e”")
    expect(page.locator(".notice")).to_have_count(1)
    context.close()
    sup.close()


WORDS = [
    ({"kind": "count", "item": "SKU-1", "to": "A-01-02", "qty": 4, "action": "accept",
      "by": "sue"}, "Your count of 4 × SKU-1 at A-01-02 was accepted by sue."),
    ({"kind": "count", "item": "SKU-1", "to": "A-01-02", "qty": 4, "action": "void",
      "by": "sue"}, "Your count of 4 × SKU-1 at A-01-02 was voided by sue: it does not count."),
    ({"kind": "count", "item": "SKU-1", "to": "A-01-02", "qty": 4, "action": "recount",
      "by": "sue"},
     "Your count of 4 × SKU-1 at A-01-02 was sent back by sue: a recount is requested."),
    ({"kind": "count", "item": "SKU-1", "to": "A-01-02", "qty": 4, "action": "accept_counted_now"},
     "Your count of 4 × SKU-1 at A-01-02 was accepted as counted now."),
    ({"kind": "pick", "item": "SKU-2", "from": "B-01-01", "to": "TOTE-03", "qty": 9,
      "action": "reallocate"},
     "Your pick of 9 × SKU-2 from B-01-01 to TOTE-03 was settled: the extra units go back"
     " to the shelf."),
    ({"kind": "receive", "item": "NO-SUCH", "to": "DOCK-1", "qty": 1, "action": "map"},
     "Your receipt of 1 × NO-SUCH to DOCK-1 was mapped to the catalog."),
    ({"kind": "transfer", "item": "SKU-3", "from": "A-01-01", "to": "A-09-09", "qty": 2,
      "lot": "L7", "action": "edit"},
     "Your transfer of 2 × SKU-3 from A-01-01 to A-09-09, lot L7 was corrected."),
    ({"kind": None, "movement": "0192f0aa-1111-7000-8000-000000000000", "action": "void"},
     "Your movement 0192f0aa… was voided: it does not count."),
    ({"kind": "pick", "item": "SKU-2", "from": "B-01-01", "qty": 1, "user": "ana",
      "action": "accept"}, "ana's pick of 1 × SKU-2 from B-01-01 was accepted."),
    ({"kind": "pick", "item": "SKU-2", "from": "B-01-01", "qty": 1, "user": "counter",
      "action": "accept"}, "Your pick of 1 × SKU-2 from B-01-01 was accepted."),
    ({"kind": "count", "item": "SKU-1", "to": "A-01-02", "qty": 4, "action": "split"},
     "Your count of 4 × SKU-1 at A-01-02 was resolved (split)."),
]  # fmt: skip


def test_a_notice_says_what_was_decided_in_plain_words(
    signed_in: Any, live_server: LiveServer
) -> None:
    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, live_server.url, "count")
    said = page.evaluate(
        """async (notices) => {
          const { describe } = await import("/static/js/notices.js");
          return notices.map((n) => describe({ movement: "m", ...n }, null, "counter"));
        }""",
        [notice for notice, _ in WORDS],
    )
    assert said == [words for _, words in WORDS]
    context.close()
