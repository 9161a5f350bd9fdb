"""The floor app's notices of supervisors' decisions: what each says, and that
an app upgraded from the storage before notices is not shown old decisions as
news.  (The whole way, from an offline count to the notice, is in
``test_console_push.py``.)"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from old_storage import old_storage
from playwright.sync_api import expect
from pwa_helpers import PHONE, open_app, stocked_items, sync_now

if TYPE_CHECKING:
    from conftest import LiveServer


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
        old_storage(1),
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
