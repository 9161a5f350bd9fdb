"""Helpers for the floor app's browser tests: log in, make work, scan, wait.

The supervisor's calls go through a logged-in browser context's own request
client (its session cookie), as a supervisor's browser would make them.
"""

from __future__ import annotations

import itertools
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from playwright.sync_api import APIRequestContext, BrowserContext, Page, expect

__all__ = [
    "PHONE",
    "login",
    "supervisor",
    "stocked_items",
    "make_pick_list",
    "OneLineList",
    "one_line_list",
    "open_app",
    "scan",
    "wait_synced",
    "app_page",
    "receive_one",
    "counting_one",
    "sync_now",
    "pending",
    "on_hand",
    "sent_log",
    "location_barcode",
    "shot",
]

PHONE = {"width": 360, "height": 740}
PASSWORDS = {u: f"{u}-demo" for u in ("picker", "counter", "supervisor", "admin")}
_refs = itertools.count(1)


def login(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORDS[username])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")


def supervisor(
    signed_in: Callable[..., BrowserContext],
) -> tuple[BrowserContext, APIRequestContext]:
    """A supervisor's browser, for the calls a supervisor makes."""
    context = signed_in("supervisor")
    return context, context.request


def _ro(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True)


def stocked_items(db: Path, count: int, skip: int = 0) -> list[dict[str, Any]]:
    """Items without lots stocked in pick bins (one bin each), with their unit EAN."""
    conn = _ro(db)
    try:
        rows = conn.execute(
            "SELECT i.sku, b.code, l.code, l.barcode, s.on_hand FROM stock s"
            " JOIN items i ON i.id = s.item_id JOIN locations l ON l.id = s.location_id"
            " JOIN item_barcodes b ON b.item_id = i.id AND b.pack_qty = 1"
            " WHERE l.kind = 'pick' AND s.on_hand >= 10 AND i.tracking = 'none'"
            " GROUP BY i.id ORDER BY l.pick_seq LIMIT ? OFFSET ?",
            (count, skip),
        ).fetchall()
    finally:
        conn.close()
    return [
        {"sku": r[0], "ean": r[1], "bin": r[2], "bin_barcode": r[3], "on_hand": r[4]} for r in rows
    ]


def location_barcode(db: Path, code: str) -> str:
    conn = _ro(db)
    try:
        row = conn.execute("SELECT barcode FROM locations WHERE code = ?", (code,)).fetchone()
    finally:
        conn.close()
    return str(row[0]) if row and row[0] else code


def make_pick_list(
    api: APIRequestContext, url: str, items: list[dict[str, Any]], qty: int = 2
) -> dict[str, Any]:
    """One urgent order for ``items``, a wave of it, the list given to the picker."""
    order = api.post(
        f"{url}/api/orders",
        data={
            "channel": "e2e", "external_ref": f"PWA-{next(_refs)}-{items[0]['sku']}",
            "customer": "Test", "priority": 1,
            "ship_to": {"name": "T", "line1": "1 Road", "city": "Leeds", "postcode": "LS1",
                        "country": "GB"},
            "lines": [{"item": i["sku"], "qty": qty} for i in items],
        },
    )  # fmt: skip
    assert order.status == 201, order.text()
    wave = api.post(f"{url}/api/waves", data={"max_orders": 1, "orders_per_list": 1})
    assert wave.ok, wave.text()
    (number,) = wave.json()["pick_lists"]
    assigned = api.post(f"{url}/api/pick-lists/{number}/assign", data={"username": "picker"})
    assert assigned.ok, assigned.text()
    return dict(assigned.json())


class OneLineList(NamedTuple):
    """A pick list of one line given to the picker, and the supervisor's browser
    that made it (``sup.close()`` when done with it)."""

    sup: BrowserContext
    api: APIRequestContext
    item: dict[str, Any]
    pick_list: dict[str, Any]
    task: dict[str, Any]


def one_line_list(
    signed_in: Callable[..., BrowserContext], url: str, db: Path, skip: int, qty: int
) -> OneLineList:
    """One stocked item (the ``skip``-th, see ``stocked_items``), ``qty`` of it on
    a pick list of its own for the picker."""
    (item,) = stocked_items(db, 1, skip=skip)
    sup, api = supervisor(signed_in)
    pick_list = make_pick_list(api, url, [item], qty=qty)
    (task,) = pick_list["tasks"]
    return OneLineList(sup, api, item, pick_list, task)


def open_app(page: Page, url: str, screen: str = "pick") -> None:
    page.goto(f"{url}/app#{screen}")
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15000)
    wait_synced(page)


def app_page(
    signed_in: Callable[..., BrowserContext], url: str, screen: str, user: str = "picker"
) -> tuple[BrowserContext, Page]:
    """A phone-sized context of ``user``'s, with the app open on ``screen`` and synced."""
    context = signed_in(user, viewport=PHONE)
    page = context.new_page()
    open_app(page, url, screen)
    return context, page


def receive_one(page: Page, code: str) -> None:
    """On the Receive screen: one receipt of ``code`` at DOCK-1, waiting to be sent."""
    scan(page, "DOCK-1")
    scan(page, code)
    expect(page.locator("#pending")).to_have_text("1 to send")


def counting_one(
    signed_in: Callable[..., BrowserContext], db: Path, url: str, skip: int
) -> tuple[BrowserContext, Page, dict[str, Any]]:
    """A counter's phone, offline, counting the ``skip``-th stocked item (see
    ``stocked_items``) in its bin: one unit scanned."""
    (item,) = stocked_items(db, 1, skip=skip)
    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "count")
    context.set_offline(True)
    scan(page, item["bin_barcode"])
    expect(page.locator("#flash")).to_have_text(f"Counting {item['bin']}: scan each item")
    scan(page, item["ean"])
    expect(page.get_by_label(f"Counted {item['sku']}", exact=True)).to_have_value("1")
    return context, page, item


def wait_synced(page: Page, timeout: float = 20000) -> None:
    """Until the app has synced by itself and nothing is pending."""
    page.wait_for_function(
        "(() => { const s = window.shelfsync.sync.state;"
        " return !s.syncing && s.pending === 0 && s.lastSyncAt && !s.lastError; })()",
        timeout=timeout,
    )


def until_true(page: Page, expression: str, arg: Any = None, timeout: float = 20000) -> None:
    """Until ``expression`` (a function of ``arg`` that may return a promise, such as
    a read of the app's storage) is true.  ``page.wait_for_function`` does not wait
    for a promise: a pending one counts as true at once."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression, arg):
        assert time.monotonic() < deadline, f"not true within {timeout:.0f} ms: {expression}"
        page.wait_for_timeout(100)


def until_sent(page: Page, count: int) -> None:
    """Until the sent log holds ``count`` movements: "0 to send" alone also holds
    before the scans just typed are stored, and the sync before them counts as
    synced."""
    until_true(page, "(n) => window.shelfsync.db.allMovements()"
                     ".then((log) => log.sent.length === n)", count)  # fmt: skip


def sync_now(page: Page) -> None:
    """Tap "Sync now" and wait for that sync to end."""
    page.evaluate("window.shelfsync.sync.sync('test', {force: true})")


def scan(page: Page, code: str) -> None:
    """Type the code into the scan field and press Enter, as a wedge scanner does."""
    page.locator("#scan").press_sequentially(code)
    page.keyboard.press("Enter")


def pending(page: Page) -> int:
    return int(page.locator("#pending").get_attribute("data-count") or "-1")


def sent_log(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate("window.shelfsync.db.allMovements()")
    return result


def on_hand(api: APIRequestContext, url: str, sku: str, location: str) -> int:
    answer = api.get(f"{url}/api/stock", params={"item": sku, "location": location})
    assert answer.ok, answer.text()
    return sum(int(r["on_hand"]) for r in answer.json()["stock"])


def shot(page: Page, rootpath: Path, name: str) -> None:
    folder = rootpath / "test-results"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"pwa-{name}.png"), full_page=True)


CONTROLS = "button, a.button, .tabs a, input:not([type=hidden]), select"


def tables_fit(page: Page) -> bool:
    """No table on the page scrolls sideways inside itself."""
    return bool(page.evaluate(
        "[...document.querySelectorAll('table')].every((t) => t.scrollWidth <= t.clientWidth)"
    ))  # fmt: skip


def fits(page: Page, rootpath: Path, name: str) -> None:
    """The screen as a person holds it: nothing scrolls sideways, every control is
    at least 48 px tall, no "null" or "undefined" where a value should be; a
    screenshot of it goes to test-results/."""
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"{name}: {sideways} px of sideways scrolling"
    small = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
              .filter((el) => el.offsetParent !== null && !el.closest('[hidden]'))
              .map((el) => [el.id || el.textContent.trim() || el.name,
                            el.getBoundingClientRect().height])
              .filter(([, h]) => h < 48)""",
        CONTROLS,
    )
    assert small == [], f"{name}: controls under 48 px: {small}"
    leaked = page.evaluate(
        "() => document.body.innerText.match(/\\b(null|undefined|NaN)\\b|\\[object \\w+\\]/g)"
    )
    assert leaked is None, f"{name}: a script's value shown as text: {leaked}"
    shot(page, rootpath, name)
