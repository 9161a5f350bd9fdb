"""A number being typed into a quantity survives the screen being drawn again,
in a real Chromium.

The Count screen is drawn again after each scan (after its confirmation's
frame) and whenever a pull brings tasks.  A number half typed then went with
the field it was typed into: the field drawn in its place showed the quantity
before, no field had the focus, and the Enter that followed stored nothing.
A number past any real quantity is refused as it is typed, not stored to be
rejected by the server later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playwright.sync_api import Page, expect
from pwa_helpers import counting_one, stocked_items, supervisor, until_true

if TYPE_CHECKING:
    from conftest import LiveServer

NEXT_FRAME = "new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))"


def until_stored(page: Page, qty: int) -> None:
    """Until the count in progress, as the device stored it, says ``qty``."""
    until_true(page, "(n) => window.shelfsync.db.get('drafts', 'count')"
                     ".then((d) => d.lines[0].qty === n)", qty)  # fmt: skip


def test_a_number_typed_as_a_pull_lands_is_kept(signed_in: Any, live_server: LiveServer) -> None:
    context, page, item = counting_one(signed_in, live_server.db, live_server.url, skip=164)
    field = page.get_by_label(f"Counted {item['sku']}", exact=True)
    field.fill("")
    page.keyboard.type("42", delay=80)  # a person's typing, not a wedge's burst
    # meanwhile a supervisor gives the counter a task, and the Wi-Fi is back
    (other,) = stocked_items(live_server.db, 1, skip=166)
    _, api = supervisor(signed_in)
    task = {"location": other["bin"], "item": other["sku"], "assigned_to": "counter"}
    made = api.post(f"{live_server.url}/api/count-tasks", data=task)
    assert made.status == 201, made.text()
    context.set_offline(False)
    pulled = "(id) => window.shelfsync.db.get('tasks', id).then(Boolean)"
    until_true(page, pulled, made.json()["id"])
    page.evaluate(NEXT_FRAME)

    expect(field).to_have_value("42")  # drawn again for the pulled task, the typing kept
    expect(field).to_be_focused()  # and the person goes on typing in it
    until_stored(page, 1)  # not taken before the Enter
    page.keyboard.type("5", delay=80)
    page.keyboard.press("Enter")
    until_stored(page, 425)
    expect(field).to_have_value("425")
    context.close()


def test_a_number_typed_before_a_scan_is_drawn_is_kept(
    signed_in: Any, live_server: LiveServer
) -> None:
    context, page, item = counting_one(signed_in, live_server.db, live_server.url, skip=168)
    field = page.get_by_label(f"Counted {item['sku']}", exact=True)
    # a scan handled, and a number typed into the field before the screen is
    # drawn after the scan's confirmation (which draws 2, over the 7)
    page.evaluate(
        "([input, code]) => { window.shelfsync.scanner.submit(code, 'wedge'); input.focus();"
        " input.value = '7'; input.dispatchEvent(new Event('input', {bubbles: true})); }",
        [field.element_handle(), item["ean"]],
    )
    expect(page.locator("#flash")).to_have_text(f"{item['sku']}: 2")
    page.wait_for_function("window.shelfsync.scanner.pending() === 0")
    page.evaluate(NEXT_FRAME)
    expect(field).to_have_value("7")
    until_stored(page, 2)  # the scan counted; the 7 waits for its Enter
    field.press("Enter")  # the number typed replaces the count, the scan's included
    until_stored(page, 7)
    expect(field).to_have_value("7")
    context.close()


def test_a_scan_while_a_number_is_typed_counts_after_the_number(
    signed_in: Any, live_server: LiveServer
) -> None:
    context, page, item = counting_one(signed_in, live_server.db, live_server.url, skip=170)
    field = page.get_by_label(f"Counted {item['sku']}", exact=True)
    field.select_text()  # the person taps the field, types 5...
    page.keyboard.type("5", delay=150)
    page.wait_for_timeout(200)
    page.keyboard.type(item["ean"])  # ...and scans the item before pressing Enter
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_have_text(f"{item['sku']}: 6")  # 5 counted, then one more
    until_stored(page, 6)
    expect(field).to_have_value("6")
    context.close()


def test_a_number_past_any_real_quantity_is_refused_as_typed(
    signed_in: Any, live_server: LiveServer
) -> None:
    context, page, item = counting_one(signed_in, live_server.db, live_server.url, skip=172)
    field = page.get_by_label(f"Counted {item['sku']}", exact=True)
    field.fill("40000000000")  # a finger resting on the 0
    field.press("Enter")
    flash = page.locator("#flash")
    expect(flash).to_have_text(
        "Not taken: 40,000,000,000 is more than any real quantity (at most 1,000,000,000)"
    )
    expect(flash).to_have_attribute("data-kind", "warn")
    expect(field).to_have_value("1")  # the count there is
    until_stored(page, 1)
    field.fill("1000000000")  # the most there may be is taken
    field.press("Enter")
    until_stored(page, 1_000_000_000)
    context.close()
