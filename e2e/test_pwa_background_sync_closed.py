"""Background Sync with no page of the app open: the service worker pushes the
outbox itself (the page's own sync code, under the same Web Lock), and every
movement reaches the server exactly once.

The browser fires the sync event when the network comes back; the test also
fires it over CDP (``ServiceWorker.dispatchSyncEvent``).  A same-origin page that is not
the app (``/healthz``) stays open to drive CDP and to look into the device's
storage through the app's own ``db.js``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import APIRequestContext, CDPSession, Page, expect
from pwa_helpers import app_page, on_hand, scan, stocked_items

if TYPE_CHECKING:
    from conftest import LiveServer

SCANS = 3
DB = "import('/static/js/db.js')"


def fire_sync(cdp: CDPSession, url: str, registration: str) -> None:
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {"origin": url, "registrationId": registration, "tag": "shelfsync-outbox",
         "lastChance": False},
    )  # fmt: skip


def arrived(api: APIRequestContext, url: str, ids: list[str]) -> list[str]:
    """The outcomes the server has stored for ``ids`` (those it has)."""
    found = [api.get(f"{url}/api/movements/{i}") for i in ids]
    assert all(r.status in (200, 404) for r in found), [(r.status, r.text()) for r in found]
    return [r.json()["outcome"] for r in found if r.status == 200]


def wait_until(probe: Page, predicate: str, seconds: float = 20) -> None:
    """Until ``predicate`` (a JS expression, awaited) is true in the probe page."""
    for _ in range(int(seconds * 10)):
        if probe.evaluate(predicate):
            return
        probe.wait_for_timeout(100)
    raise AssertionError(f"still not true after {seconds} s: {predicate}")


def storage(probe: Page) -> dict[str, Any]:
    result: dict[str, Any] = probe.evaluate(
        f"{DB}.then(async (db) => ({{...(await db.allMovements()),"
        " last_sync_at: (await db.getMeta()).last_sync_at}))"
    )
    return result


def test_the_worker_flushes_the_outbox_when_no_page_is_open(
    signed_in: Any, live_server: LiveServer
) -> None:
    url = live_server.url
    (item,) = stocked_items(live_server.db, 1, skip=60)
    context, page = app_page(signed_in, url, "receive")
    api = context.request
    before = on_hand(api, url, item["sku"], "DOCK-1")
    probe = context.new_page()  # same origin, not the app: the worker flushes itself
    probe.goto(f"{url}/healthz")
    page.bring_to_front()

    context.set_offline(True)
    scan(page, "DOCK-1")
    expect(page.locator("#prompt")).to_contain_text("DOCK-1")
    for _ in range(SCANS):
        scan(page, item["ean"])
    expect(page.locator("#pending")).to_have_text(f"{SCANS} to send")
    ids = [e["id"] for e in page.evaluate("window.shelfsync.db.allMovements()")["outbox"]]
    assert len(ids) == SCANS

    registrations: list[dict[str, Any]] = []
    cdp = context.new_cdp_session(probe)
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(event["registrations"]))  # fmt: skip
    cdp.send("ServiceWorker.enable")
    page.close()  # no page of the app is open now
    probe.wait_for_timeout(200)
    (registration,) = [r for r in registrations if not r["isDeleted"]][-1:]

    # a page (here the probe) holds the sync lock: the worker waits for it
    probe.evaluate(
        "new Promise((held) => navigator.locks.request('shelfsync-sync', () => { held();"
        " return new Promise((release) => { window.releaseLock = release; }); }))"
    )
    # Back online, the browser fires the pending sync event itself (offline
    # emulation reaches Background Sync); the test fires one too, so that two
    # flushes meet the same outbox.
    context.set_offline(False)
    fire_sync(cdp, url, registration["registrationId"])
    probe.wait_for_timeout(1000)
    assert arrived(api, url, ids) == []
    assert len(storage(probe)["outbox"]) == SCANS
    probe.evaluate("window.releaseLock()")

    wait_until(probe, f"{DB}.then((db) => db.pendingSummary()).then((s) => s.count === 0)")
    assert arrived(api, url, ids) == ["applied"] * SCANS
    assert on_hand(api, url, item["sku"], "DOCK-1") == before + SCANS
    first = storage(probe)
    assert sorted(e["id"] for e in first["sent"] if e["id"] in ids) == sorted(ids)
    assert first["outbox"] == []

    # the event again (the browser may fire it twice): nothing is sent twice
    fire_sync(cdp, url, registration["registrationId"])
    wait_until(
        probe,
        f"{DB}.then((db) => db.getMeta()).then((m) => m.last_sync_at > {first['last_sync_at']!r})",
    )
    assert on_hand(api, url, item["sku"], "DOCK-1") == before + SCANS
    assert arrived(api, url, ids) == ["applied"] * SCANS
    context.close()
