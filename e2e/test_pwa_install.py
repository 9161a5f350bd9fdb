"""The floor app installs and starts offline: a valid manifest with its icons,
a service worker that controls the page and has the shell cached, and a cold
start with no network at all."""

from __future__ import annotations

import json
import struct
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect
from pwa_helpers import PHONE, open_app, shot

if TYPE_CHECKING:
    from conftest import LiveServer
    from playwright.sync_api import Route


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_manifest_worker_and_shell_cache(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    url = live_server.url
    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, url)

    href = page.locator("link[rel=manifest]").get_attribute("href")
    answer = page.request.get(f"{url}{href}")
    assert answer.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(answer.text())
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/app"
    assert manifest["name"] and manifest["short_name"]
    assert manifest["theme_color"] == page.locator("meta[name=theme-color]").get_attribute(
        "content"
    )
    sizes = set()
    for icon in manifest["icons"]:
        png = page.request.get(f"{url}{icon['src']}")
        assert png.ok and png.headers["content-type"] == "image/png"
        width, height = _png_size(png.body())
        assert f"{width}x{height}" == icon["sizes"]
        sizes.add((icon["sizes"], icon.get("purpose", "any")))
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes

    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == f"{url}/sw.js"
    cached = page.evaluate(
        """async () => {
            const names = await caches.keys();
            const cache = await caches.open(names.find((n) => n.startsWith('shelfsync-shell-')));
            return (await cache.keys()).map((r) => new URL(r.url).pathname);
        }"""
    )
    for path in ("/app", "/static/js/app.js", "/static/js/db.js", "/static/css/pwa.css"):
        assert path in cached
    assert not any(p.startswith("/api/") for p in cached)

    # a cold start with no network: a new tab, offline, served by the worker
    context.set_offline(True)
    cold = context.new_page()
    cold.goto(f"{url}/app#lookup")
    cold.wait_for_function("window.shelfsync && window.shelfsync.ready")
    expect(cold.locator("#net")).to_have_text("Offline")
    expect(cold.locator("#flash")).to_contain_text("Ready")
    shot(cold, request.config.rootpath, "cold-offline-start")
    # five hours without a sync: the warning shows
    assert cold.locator("#alerts").inner_text() == ""
    cold.evaluate(
        """async () => {
            const at = new Date(Date.now() - 5 * 3600e3).toISOString();
            await window.shelfsync.db.setMeta({last_sync_at: at});
            await window.shelfsync.sync.refresh();
        }"""
    )
    expect(cold.locator("#alerts")).to_contain_text("Not synced for over 4 hours")
    expect(cold.locator("#last-sync")).to_have_text("Synced 5 h ago")
    shot(cold, request.config.rootpath, "stale-warning")
    context.close()


def test_update_waits_for_an_idle_outbox(signed_in: Any, live_server: LiveServer) -> None:
    """A new version of the worker installs and waits: "Update available" cannot
    be applied while movements are pending, and is applied once they are sent."""
    url = live_server.url
    context = signed_in("picker", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "receive")
    context.set_offline(True)
    page.locator("#scan").press_sequentially("DOCK-1")
    page.keyboard.press("Enter")
    page.locator("#scan").press_sequentially("NO-SUCH-CODE-UPDATE")
    page.keyboard.press("Enter")
    expect(page.locator("#pending")).to_have_text("1 to send")
    # back online, but the sync held back so the movement stays pending while a
    # new worker installs (a new script URL is an update of the registration)
    page.route("**/api/sync/**", lambda route: route.abort())
    context.set_offline(False)
    page.evaluate("navigator.serviceWorker.register('/sw.js?next=1', {scope: '/', type: 'module'})")
    button = page.locator("#apply-update")
    expect(button).to_have_text("Update after sync", timeout=15000)
    expect(button).to_be_disabled()
    assert page.evaluate("window.shelfsync.update.apply()") is False
    page.unroute("**/api/sync/**")
    page.evaluate("window.shelfsync.sync.sync('test', {force: true})")
    expect(button).to_have_text("Update now")
    # a sync starts just as the person taps: the update waits for it to end
    held: list[Route] = []
    page.route("**/api/sync/**", lambda route: held.append(route))
    page.evaluate("window.shelfsync.sync.sync('test', {force: true}); undefined")
    expect(button).to_have_text("Update after sync")
    assert page.evaluate("window.shelfsync.update.applyWhenIdle()") is False
    page.wait_for_timeout(300)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
    assert held  # the sync is waiting for its answer
    with page.expect_event("load"):
        page.unroute("**/api/sync/**")  # its held requests go on: the sync ends
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("?next=1")
    expect(page.locator("#pending")).to_have_text("0 to send")
    context.close()
