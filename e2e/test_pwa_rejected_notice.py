"""A movement the server rejects (it is invalid: it never counts) is a notice on
the phone, under "Not stored", apart from what a supervisor decided, until the
person taps "Seen": after a push's answer, or after a pull when that answer was
lost; once per movement, and never again once seen (not after a reload, a
replayed answer, a pull with reset, or for a rejection from before the app
told of them).  The rejected movement a person can make here: a move scanned
to SUPPLIER, one of the ledger's virtual locations, which the screen stores
as a bin it does not know yet (``to: SUPPLIER is not a real place``)."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from old_storage import old_storage
from playwright.sync_api import BrowserContext, Page, Route, expect
from pwa_helpers import (
    PHONE,
    fits,
    location_barcode,
    open_app,
    scan,
    sent_log,
    stocked_items,
    supervisor,
    sync_now,
    until_sent,
    wait_synced,
)

if TYPE_CHECKING:
    from pathlib import Path

    from conftest import LiveServer

NOT_REAL = "to: SUPPLIER is not a real place"


def item_name(db: Path, sku: str) -> str:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (name,) = conn.execute("SELECT name FROM items WHERE sku = ?", (sku,)).fetchone()
    finally:
        conn.close()
    return str(name)


def move_to_supplier(page: Page, item: dict[str, Any]) -> str:
    """On Put away / move: one unit from the item's bin to SUPPLIER (the device's
    copy of the catalog lacks the virtual locations: the screen takes it for a
    bin it does not know yet, and stores it); the id of the movement stored."""
    page.locator("#mode-move").click()
    scan(page, item["bin_barcode"])
    scan(page, item["ean"])
    scan(page, "SUPPLIER")
    expect(page.locator("#flash")).to_contain_text("Unknown location SUPPLIER: stored")
    log = sent_log(page)
    newest = max(log["outbox"] + log["sent"], key=lambda e: e["n"])
    assert (newest["movement"]["kind"], newest["movement"]["to"]) == ("transfer", "SUPPLIER")
    return str(newest["id"])


def notices(page: Page) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = page.evaluate("window.shelfsync.db.all('notices')")
    return rows


def reload(page: Page) -> None:
    page.reload()
    page.wait_for_function("window.shelfsync && window.shelfsync.ready")


def reset_pull(page: Page) -> None:
    """The next pull starts from scratch: every result of the device comes again."""
    page.evaluate("window.shelfsync.db.setMeta({cursor: null})")
    sync_now(page)
    assert page.evaluate("window.shelfsync.db.getMeta()")["cursor"] is not None


def test_a_rejected_move_is_shown_apart_from_decisions_until_seen(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    url, db = live_server.url, live_server.db
    counted, moved = stocked_items(db, 2, skip=190)[0], stocked_items(db, 1, skip=193)[0]
    sup, api = supervisor(signed_in)
    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "count")

    # a count far below the book, held; the supervisor accepts it
    context.set_offline(True)
    scan(page, counted["bin_barcode"])
    scan(page, counted["ean"])
    page.locator("#submit-count").click()
    expect(page.locator("#pending")).to_have_text("1 to send")
    context.set_offline(False)
    until_sent(page, 1)
    wait_synced(page)
    (count,) = sent_log(page)["sent"]
    assert count["outcome"] == "held"
    listed = api.get(f"{url}/api/conflicts", params={"item": counted["sku"]}).json()
    (conflict,) = [c for c in listed["conflicts"] if c["movement"] == count["id"]]
    done = api.post(f"{url}/api/conflicts/{conflict['id']}/resolve",
                    data={"action": "accept", "reason": "checked"})  # fmt: skip
    assert done.status == 201, done.text()

    # a receipt at the dock (applied), then a move to a place that is not one
    page.get_by_role("link", name="Receive").click()
    scan(page, location_barcode(db, "DOCK-1"))
    scan(page, moved["ean"])
    expect(page.locator("#flash")).to_contain_text(f"Received 1 × {moved['sku']}")
    rejected = move_to_supplier(page, moved)
    until_sent(page, 3)
    wait_synced(page)
    sync_now(page)  # the supervisor's decision comes with a pull
    by_id = {e["id"]: e for e in sent_log(page)["sent"]}
    (receipt,) = [i for i, e in by_id.items() if e["movement"]["kind"] == "receive"]
    stored = api.get(f"{url}/api/movements/{rejected}").json()
    assert (stored["outcome"], stored["code"]) == ("rejected", "INVALID_FIELD")
    assert api.get(f"{url}/api/movements/{receipt}").json()["outcome"] == "applied"

    groups = page.locator("#notices .notice-group")
    expect(groups.locator("h2")).to_have_text(["Not stored", "A supervisor decided"])
    not_stored = groups.and_(page.locator("[data-group='rejected']"))
    decided = groups.and_(page.locator("[data-group='decided']"))
    expect(not_stored.locator(".notice")).to_have_count(1)
    notice = not_stored.locator(f".notice[data-movement='{rejected}']")
    expect(notice.locator(".notice-text")).to_have_text(
        f"Your transfer of 1 × {moved['sku']} ({item_name(db, moved['sku'])})"
        f" from {moved['bin']} to SUPPLIER was not stored: {NOT_REAL}."
    )
    expect(decided.locator(".notice")).to_have_count(1)
    expect(decided.locator(f".notice[data-movement='{count['id']}']")).to_have_attribute(
        "data-action", "accept"
    )
    expect(page.locator(f".notice[data-movement='{receipt}']")).to_have_count(0)
    assert sorted(n["movement"] for n in notices(page)) == sorted([rejected, count["id"]])
    fits(page, request.config.rootpath, "rejected-notice")

    notice.get_by_role("button", name="Seen").click()
    expect(groups.locator("h2")).to_have_text(["A supervisor decided"])
    decided.get_by_role("button", name="Seen").click()
    expect(page.locator("#notices")).to_be_hidden()
    reload(page)
    expect(page.locator("#notices")).to_be_hidden()
    reset_pull(page)
    expect(page.locator("#notices")).to_be_hidden()
    kept = {n["movement"]: n for n in notices(page)}
    assert set(kept) == {rejected, count["id"]}
    assert kept[rejected]["seen_at"]
    assert (kept[rejected]["code"], kept[rejected]["message"]) == ("INVALID_FIELD", NOT_REAL)
    context.close()
    sup.close()


class LostAnswers:
    """Pushes reach the server while ``lose`` is set, and their answers never
    reach the page (a connection dropped on the way back)."""

    def __init__(self) -> None:
        self.lose = True
        self.lost = 0

    def __call__(self, route: Route) -> None:
        if not self.lose:
            route.continue_()
            return
        route.fetch()  # the server stores the movement and answers...
        self.lost += 1
        route.abort()  # ...into a dropped connection


# What the app does after the answer was lost: the next sync pushes again
# (``replayed``), or a pull brings the result first (as sync.js's pull does).
PULL = """async () => {
  const api = await import("/static/js/api.js");
  const { db } = window.shelfsync;
  const meta = await db.getMeta();
  const answer = await api.pull(meta.token, {
    device_id: meta.device_id, cursor: meta.cursor ?? null, limit: 2000, epoch: meta.epoch ?? null,
  });
  await db.applyPull(answer, answer.reset);
}"""


@pytest.mark.parametrize("first", ["push again", "pull"])
def test_a_rejection_whose_answer_was_lost_is_shown_once(
    signed_in: Any, live_server: LiveServer, first: str
) -> None:
    url, db = live_server.url, live_server.db
    (item,) = stocked_items(db, 1, skip=196 if first == "pull" else 197)
    sup, api = supervisor(signed_in)
    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "receive")
    answers = LostAnswers()
    context.route("**/api/sync/push", answers)
    rejected = move_to_supplier(page, item)
    page.wait_for_function("window.shelfsync.sync.state.lastError !== null")
    assert answers.lost >= 1
    assert api.get(f"{url}/api/movements/{rejected}").json()["outcome"] == "rejected"
    assert [e["id"] for e in sent_log(page)["outbox"]] == [rejected]

    notice = page.locator(f".notice[data-movement='{rejected}']")
    assert notices(page) == []
    if first == "pull":
        page.evaluate(PULL)
        assert [n["id"] for n in notices(page)] == [f"rejected:{rejected}"]
        assert [e["id"] for e in sent_log(page)["outbox"]] == [rejected]  # still to push
        reload(page)  # the pushes still fail; the notice is on the device
    answers.lose = False
    if first == "push again":
        sync_now(page)
        wait_synced(page)
    expect(page.locator(".notice-group h2")).to_have_text(["Not stored"])
    expect(notice.locator(".notice-text")).to_contain_text(
        f"from {item['bin']} to SUPPLIER was not stored: {NOT_REAL}."
    )
    notice.get_by_role("button", name="Seen").click()
    expect(page.locator("#notices")).to_be_hidden()

    sync_now(page)  # (after the pull: the push again, answered as a replay)
    wait_synced(page)
    (sent,) = sent_log(page)["sent"]
    assert (sent["id"], sent["outcome"], sent["replayed"]) == (rejected, "rejected", True)
    reset_pull(page)
    expect(page.locator("#notices")).to_be_hidden()
    (kept,) = notices(page)
    assert (kept["id"], kept["seen_at"] is not None) == (f"rejected:{rejected}", True)
    context.close()
    sup.close()


def test_a_rejection_from_before_the_upgrade_is_not_news(
    signed_in: Any, live_server: LiveServer
) -> None:
    """The app before rejection notices recorded a rejected movement in its sent
    log; upgraded, its pull with reset brings that result again: no notice."""
    url = live_server.url
    (item,) = stocked_items(live_server.db, 1, skip=199)
    context: BrowserContext = signed_in("counter", viewport=PHONE)
    device = context.request.post(
        f"{url}/api/devices",
        data={"name": "old-app", "username": "counter", "password": "counter-demo"},
    ).json()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    move = {"id": str(uuid.uuid4()), "seq": 1, "kind": "transfer", "user": "counter",
            "recorded_at": now, "basis": 0, "item": item["sku"], "from": item["bin"],
            "to": "SUPPLIER", "qty": 1}  # fmt: skip
    body = {"protocol": 1, "device_id": device["device_id"], "epoch": device["epoch"],
            "device_time": now, "movements": [move]}  # fmt: skip
    auth = {"Authorization": f"Bearer {device['token']}"}
    pushed = context.request.post(f"{url}/api/sync/push", data=body, headers=auth).json()
    (result,) = pushed["results"]
    assert (result["outcome"], result["message"]) == ("rejected", NOT_REAL)

    page = context.new_page()
    page.goto(f"{url}/")
    page.evaluate(
        old_storage(3),
        {
            "meta": {"device_id": device["device_id"], "token": device["token"],
                     "epoch": device["epoch"], "username": "counter", "cursor": None,
                     "device_last_seq": 1, "next_seq": 2, "next_n": 2,
                     "notices_since": "2020-01-01T00:00:00.000Z"},
            "sent": {"id": move["id"], "seq": 1, "n": 1, "task": None, "at": now,
                     "movement": move, "device": device["device_id"], "acked_at": now,
                     "outcome": "rejected", "replayed": False, "code": result["code"],
                     "server_seq": result["server_seq"], "message": result["message"]},
        },
    )  # fmt: skip
    open_app(page, url, "receive")  # upgrades the storage, then pulls from scratch
    assert page.evaluate("window.shelfsync.sync.state.deviceId") == device["device_id"]
    assert page.evaluate("window.shelfsync.db.getMeta()")["cursor"] is not None
    assert notices(page) == []
    expect(page.locator(".notice")).to_have_count(0)

    rejected = move_to_supplier(page, item)  # made after the upgrade: news
    until_sent(page, 2)
    wait_synced(page)
    expect(page.locator(f".notice[data-movement='{rejected}']")).to_be_visible()
    expect(page.locator(".notice")).to_have_count(1)
    context.close()


WORDS = [
    ({"kind": "receive", "item": "CHM-1003", "to": "DOCK-1", "qty": 1,
      "message": "lot: required for CHM-1003", "code": "MISSING_FIELD"},
     "Your receipt of 1 × CHM-1003 to DOCK-1 was not stored: lot: required for CHM-1003."),
    ({"kind": "count", "item": "SKU-1", "to": "A-01-02", "qty": -1, "user": "ana",
      "message": "qty: a count cannot be negative (got -1)", "code": "INVALID_QTY"},
     "ana's count of -1 × SKU-1 at A-01-02 was not stored: qty: a count cannot be negative"
     " (got -1)."),
    ({"kind": "scrap", "item": "SKU-2", "from": "B-01-01", "qty": 2,
      "message": "Not a place.", "code": "INVALID_FIELD"},
     "Your scrap of 2 × SKU-2 from B-01-01 was not stored: Not a place."),
    ({"kind": "adjust", "item": "SKU-2", "from": "B-01-01", "qty": 2, "lot": "L7",
      "user": "counter", "message": None, "code": "INTERNAL"},
     "Your adjustment of 2 × SKU-2 from B-01-01, lot L7 was not stored: INTERNAL."),
]  # fmt: skip


def test_a_rejection_says_what_was_not_stored_and_why(
    signed_in: Any, live_server: LiveServer
) -> None:
    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, live_server.url, "count")
    said = page.evaluate(
        """async (notices) => {
          const { describe } = await import("/static/js/notices.js");
          const rejected = notices.map((n) => ({ movement: "m", type: "rejected", ...n }));
          return rejected.map((n) => describe(n, null, "counter"));
        }""",
        [notice for notice, _ in WORDS],
    )
    assert said == [words for _, words in WORDS]
    context.close()
