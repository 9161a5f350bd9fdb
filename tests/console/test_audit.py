"""The audit trail: movements, resolutions, logins, roles and settings, searchable; CSV."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import replace

import pytest
from consolecalls import only_conflict, resolve
from devicesim import SimDevice
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.database import Store
from server.settings import Settings
from server.users import User, set_role


def _events(client: TestClient, **query: str) -> list[dict[str, str]]:
    res = client.get("/api/audit", params=query)
    assert res.status_code == 200, res.text
    return list(res.json()["events"])


def test_logins_failed_logins_users_and_role_changes_are_recorded(
    client: TestClient, make_user: Callable[..., User], login: Callable[..., None], store: Store
) -> None:
    ana = make_user("picker", "ana")
    page = client.get("/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    wrong = client.post("/login", data={"username": "ana", "password": "not-it!!", "csrf": token})
    assert wrong.status_code == 400
    login("ana")
    store.write(set_role, "ana", "counter", actor="boss")
    client.cookies.clear()
    login(make_user("supervisor", "sue").username)
    ana_events = [(e["event"], e["user"]) for e in _events(client, user="ana")]
    assert ("login_failed", "ana") in ana_events and ("login", "ana") in ana_events
    assert ("user_added", "ana") in ana_events
    [changed] = _events(client, event="role_changed")
    assert changed["user"] == "boss" and '"from": "picker"' in changed["detail"]
    assert ana.role == "picker"


def test_setting_changes_are_recorded_at_start(
    app_factory: Callable[[Settings], Starlette],
    settings: Settings,
    make_user: Callable[..., User],
    login: Callable[..., None],
    client: TestClient,
) -> None:
    make_user("admin", "root")
    client.__exit__(None, None, None)  # stop the first server
    changed = replace(settings, count_window_seconds=90, secret="a-new-signing-key")
    with TestClient(app_factory(changed)) as second:
        page = second.get("/login")
        token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        second.post(
            "/login", data={"username": "root", "password": "correct-horse-battery", "csrf": token}
        )
        events = second.get("/api/audit", params={"event": "setting_changed"}).json()["events"]
    details = sorted(e["detail"] for e in events)
    assert len(details) == 2
    assert '"from": "60"' in details[0] and '"to": "90"' in details[0]
    assert '"to": "(set)"' in details[1] and "a-new-signing-key" not in details[1]


def test_movements_and_resolutions_search_by_item_location_user_device_and_time(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User
) -> None:
    a, b = make_sim("alpha", "picker"), make_sim("bravo", "counter")
    a.record("pick", "SKU-1", 2, from_="A-01", to="TOTE-1")
    a.push()
    b.record("count", "SKU-2", 10, to="A-01")  # book 50: held
    b.push()
    resolve(client, only_conflict(client)["id"], action="accept", reason="seen it")
    by_item = _events(client, item="SKU-2")
    assert {e["event"] for e in by_item} == {"movement", "resolution"}
    assert [e["device"] for e in _events(client, device="alpha")] == ["alpha"]
    assert [e["what"] for e in _events(client, user=a.user, event="movement")] == [
        "pick 2 → applied"
    ]
    assert {e["event"] for e in _events(client, user=a.user)} == {"movement", "login", "user_added"}
    assert len(_events(client, location="TOTE-1", event="movement")) == 1
    assert {e["user"] for e in _events(client, event="resolution")} == {supervisor.username}
    assert _events(client, since="2000-01-01", until="2000-12-31") == []
    bad = client.get("/api/audit", params={"since": "yesterday"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    exported = client.get("/api/audit.csv", params={"item": "SKU-2"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r["event"] for r in rows} == {"movement", "resolution"}
    assert {r["item"] for r in rows} == {"SKU-2"}
    assert any(r["what"] == "count 10 → applied" and r["user"] == b.user for r in rows)
    page = client.get("/console/audit", params={"user": a.user})
    assert page.status_code == 200 and "pick 2 → applied" in page.text
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d</td>", page.text)  # to the minute


def test_text_a_device_sent_never_runs_as_a_formula_in_the_csv(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User
) -> None:
    sim = make_sim("alpha", "picker")
    formula = '=HYPERLINK("http://example.com","y")'
    sim.record("pick", "SKU-1", 2, from_="A-01", to="TOTE-1", user=formula, note="-2+3")
    assert sim.push()["results"][0]["outcome"] == "applied"
    only = {"event": "movement", "device": "alpha"}
    exported = client.get("/api/audit.csv", params=only)
    (row,) = csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))
    assert row["user"] == "'" + formula  # text, not a formula
    assert row["what"] == "pick 2 → applied"  # other cells as they were
    [event] = client.get("/api/audit", params=only).json()["events"]
    assert event["user"] == formula  # the JSON keeps what was sent


@pytest.mark.parametrize("role", ["picker", "counter"])
def test_the_floor_cannot_read_the_audit(
    client: TestClient, logged_in: Callable[..., User], role: str
) -> None:
    logged_in(role)
    assert client.get("/api/audit").status_code == 403
    assert client.get("/api/audit.csv").status_code == 403


def test_the_audit_and_the_inbox_take_a_barcode_for_the_item_and_the_location(
    client: TestClient, make_sim: Callable[..., SimDevice], supervisor: User
) -> None:
    """What a supervisor scans into a filter: the item's EAN, the bin's label."""
    sim = make_sim("alpha", "counter")
    sim.record("count", "SKU-1", 10, to="A-01")  # book 100: held
    sim.push()
    by_code = _events(client, item="SKU-1", location="A-01", event="movement")
    assert {e["user"] for e in by_code} == {sim.user, "setup"}  # the count, the putaway
    assert _events(client, item="5901234123457", location="LOC-A-01", event="movement") == by_code
    inbox = client.get("/api/conflicts", params={"item": "SKU-1", "location": "A-01"}).json()
    scanned = client.get(
        "/api/conflicts", params={"item": "5901234123457", "location": "LOC-A-01"}
    ).json()
    assert len(inbox["conflicts"]) == 1 and scanned == inbox
