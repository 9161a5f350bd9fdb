"""A recount asked for by a supervisor, on the counter's screen, in a real Chromium.

The counter's count is held (far from the book); the supervisor asks for a
recount; the counter's app shows it apart (a "Recount" badge, the reason),
blind; the counter counts offline; the count names the task, and the
conflict shows what the recount found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import expect
from pwa_helpers import (
    PHONE,
    on_hand,
    open_app,
    scan,
    sent_log,
    shot,
    stocked_items,
    supervisor,
    sync_now,
    wait_synced,
)

if TYPE_CHECKING:
    from conftest import LiveServer


def test_a_recount_task_is_shown_as_one_and_completed_blind(
    signed_in: Any, live_server: LiveServer, request: pytest.FixtureRequest
) -> None:
    url = live_server.url
    (item,) = stocked_items(live_server.db, 1, skip=70)
    sup, api = supervisor(signed_in)
    book = on_hand(api, url, item["sku"], item["bin"])

    context = signed_in("counter", viewport=PHONE)
    page = context.new_page()
    open_app(page, url, "count")
    context.set_offline(True)
    scan(page, item["bin_barcode"])  # a free count of the bin: one unit, far from the book
    scan(page, item["ean"])
    page.locator("#submit-count").click()
    expect(page.locator("#pending")).to_have_text("1 to send")
    context.set_offline(False)
    wait_synced(page)
    (entry,) = [e for e in sent_log(page)["sent"] if e["movement"]["to"] == item["bin"]]
    held = api.get(f"{url}/api/movements/{entry['id']}").json()
    assert held["outcome"] == "held", held
    [conflict] = held["conflicts"]

    reason = "1 cannot be right: count the bin again"
    body = {"action": "recount", "reason": reason, "assign_to": "counter"}
    done = api.post(f"{url}/api/conflicts/{conflict['id']}/resolve", data=body)
    assert done.status == 201, done.text()
    task_id = done.json()["count_task"]

    sync_now(page)
    task = page.locator(f"[data-task='{task_id}']")
    expect(task).to_be_visible()
    expect(task.locator(".badge-recount")).to_have_text("Recount")
    expect(task.locator(".task-reason")).to_have_text(reason)
    expect(page.locator(".recounts [data-task]")).to_have_count(1)
    shot(page, request.config.rootpath, "recount-task")

    context.set_offline(True)
    task.click()
    expect(page.locator("section:not([hidden]) h1")).to_have_text(f"Recount {task_id}")
    expect(page.locator("#task-reason")).to_have_text(f"Why: {reason}")
    scan(page, item["bin_barcode"])
    line = page.locator(f".line[data-item='{item['sku']}']")
    line.locator(".qty-input").fill(str(book))
    line.locator(".qty-input").press("Enter")
    expect(line.locator(".qty-input")).to_have_value(str(book))
    assert page.locator(".expected").count() == 0  # blind: no book quantity on the screen
    shot(page, request.config.rootpath, "recount-blind")
    page.locator("#submit-count").click()
    expect(page.locator("#flash")).to_contain_text(f"Recount of {item['bin']} stored")
    expect(page.locator(f"[data-task='{task_id}']")).to_have_count(0)

    context.set_offline(False)
    wait_synced(page)
    [recount] = [e for e in sent_log(page)["sent"] if e["movement"].get("ref")
                 and e["movement"]["ref"].get("count_task") == task_id]  # fmt: skip
    stored = api.get(f"{url}/api/movements/{recount['id']}").json()
    assert (stored["kind"], stored["outcome"], stored["movement"]["qty"]) == (
        "count",
        "applied",
        book,
    )
    assert on_hand(api, url, item["sku"], item["bin"]) == book
    detail = api.get(f"{url}/api/conflicts/{conflict['id']}").json()
    [resolution] = detail["resolution_details"]
    assert resolution["recount"]["status"] == "done"
    assert resolution["recount"]["count"]["movement"] == recount["id"]
    assert resolution["recount"]["count"]["outcome"] == "applied"
    sync_now(page)
    pulled = page.evaluate(f"window.shelfsync.db.get('tasks', '{task_id}')")
    assert pulled["status"] == "done" and pulled["task_kind"] == "recount"
    context.close()
    sup.close()
