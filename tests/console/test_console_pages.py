"""The console's pages, as a supervisor on a tablet uses them (forms, CSRF, no JS)."""

from __future__ import annotations

import re
from collections.abc import Callable

from consolecalls import stock
from devicesim import SimDevice
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_inbox_detail_and_resolve_form_once_even_if_sent_twice(
    client: TestClient, sim: SimDevice, supervisor: User, store: Store
) -> None:
    sim.record("count", "SKU-1", 60, to="A-01")
    sim.record("pick", "SKU-2", 80, from_="A-01", to="TOTE-1")  # 50 there: negative
    sim.push()
    inbox = client.get("/console/conflicts")
    assert inbox.status_code == 200
    # the held count comes first: it is waiting for a decision
    links = re.findall(r'href="/console/conflicts/(c-\d+)">c-\d+ (\w+)</a>', inbox.text)
    assert [code for _, code in links] == ["COUNT_VARIANCE", "NEGATIVE_STOCK"]
    held_id = links[0][0]
    filtered = client.get("/console/conflicts", params={"code": "NEGATIVE_STOCK"})
    assert re.findall(r">c-\d+ (\w+)</a>", filtered.text) == ["NEGATIVE_STOCK"]

    page = client.get(f"/console/conflicts/{held_id}")
    assert page.status_code == 200
    assert "before 100 · after 100 · now 100" in page.text  # held: nothing posted yet
    assert "at its place (book 100): -40 · as counted now: -40" in page.text
    resolution_id = re.search(r'name="id" value="([^"]+)"', page.text)
    assert resolution_id is not None
    form = {"csrf": _csrf(page.text), "id": resolution_id.group(1), "action": "accept",
            "reason": "the shelf was recounted"}  # fmt: skip
    no_reason = client.post(f"/console/conflicts/{held_id}/resolve", data={**form, "reason": ""})
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    done = client.post(f"/console/conflicts/{held_id}/resolve", data=form, follow_redirects=False)
    assert done.status_code == 303
    again = client.post(f"/console/conflicts/{held_id}/resolve", data=form, follow_redirects=False)
    assert again.status_code == 303  # the same form twice: the same resolution
    assert stock(client, "SKU-1", "A-01") == 60
    assert store.read(lambda c: c.execute("SELECT count(*) FROM resolutions").fetchone()[0]) == 1
    shown = client.get(done.headers["location"])
    assert "Resolved: accept." in shown.text and "the shelf was recounted" in shown.text
    assert re.search(r"accept by \w+ at \d{4}-\d\d-\d\d \d\d:\d\d: the shelf", shown.text)
    forged = client.post(f"/console/conflicts/{held_id}/resolve", data={**form, "csrf": "x"})
    assert forged.status_code == 403


def test_bulk_accept_from_the_inbox(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    store.write(lambda c: c.execute("UPDATE items SET unit_cost = 0.5"))
    sim = make_sim()
    sim.record("count", "SKU-1", 70, to="A-01")
    sim.push()
    inbox = client.get("/console/conflicts")
    ids = re.findall(r'name="ids" value="(c-\d+)"', inbox.text)
    batch = re.search(r'name="batch_id" value="([^"]+)"', inbox.text)
    assert len(ids) == 1 and batch is not None
    form = {"csrf": _csrf(inbox.text), "ids": ids, "reason": "small", "batch_id": batch.group(1)}
    done = client.post("/console/conflicts/bulk-accept", data=form)
    assert done.status_code == 200 and "Bulk accept: accepted 1, skipped 0." in done.text
    assert stock(client, "SKU-1", "A-01") == 70
    # a reload sends the same batch again: it replays, nothing more posts
    again = client.post("/console/conflicts/bulk-accept", data=form)
    assert "Bulk accept: accepted 1, skipped 0." in again.text
    assert store.read(lambda c: c.execute("SELECT count(*) FROM resolutions").fetchone()[0]) == 1


def test_dashboard_shows_the_figures_as_bars(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User, store: Store
) -> None:
    store.write(lambda c: c.execute("UPDATE items SET unit_cost = 2.5 WHERE sku = 'SKU-1'"))
    picker, counter = make_sim("p", "picker"), make_sim("c", "counter")
    for _ in range(3):
        picker.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    picker.push()
    counter.pull_all()
    counter.record("count", "SKU-1", 97, to="A-01")  # exact
    counter.record("count", "SKU-2", 10, to="A-01")  # held
    counter.push()
    figures = client.get("/api/dashboard").json()
    assert figures["conflicts"]["by_code"] == [{"label": "COUNT_VARIANCE", "value": 1}]
    assert figures["conflicts"]["by_age"][0] == {"label": "under 1 h", "value": 1}
    assert (figures["count_accuracy"]["counts"], figures["count_accuracy"]["exact"]) == (2, 1)
    assert figures["count_accuracy"]["accuracy"] == 0.5
    [pickers] = figures["picks_per_hour"]["pickers"]
    assert (pickers["label"], pickers["picks"], pickers["value"]) == (picker.user, 3, 3.0)
    # 97 in A-01 and 3 in the tote, at 2.50; SKU-2 has no cost
    assert figures["stock_value"]["total"] == 250.0
    assert figures["stock_value"]["units_without_cost"] == 50
    page = client.get("/console")
    assert page.status_code == 200
    assert page.text.count('<svg class="bars"') == 4  # no orders yet: "Nothing yet."
    assert '<text x="0" y="17" class="bar-label">COUNT_VARIANCE</text>' in page.text
    assert "50.0 %" in page.text


def test_pickers_do_not_get_the_console(
    client: TestClient, logged_in: Callable[..., User], warehouse: Store
) -> None:
    logged_in("picker")
    for path in ("/console", "/console/conflicts", "/console/devices", "/console/audit"):
        assert client.get(path).status_code == 403
    assert "Supervisor console" not in client.get("/").text
