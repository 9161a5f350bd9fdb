"""Web push end to end without a push service: real encryption, a local receiver."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from consolecalls import order_body
from devicesim import SimDevice, iso, utcnow
from pushreceiver import BrowserSubscription, Receiver, start_receiver
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.database import Store
from server.settings import Settings
from server.users import User


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = start_receiver()
    yield r
    r.close()


def _subscribe(client: TestClient, receiver: Receiver, name: str) -> BrowserSubscription:
    sub = BrowserSubscription(f"{receiver.base}/push/{name}")
    res = client.post("/api/push/subscriptions", json=sub.as_json())
    assert res.status_code == 201, res.text
    return sub


def _subscriptions(store: Store) -> list[str]:
    return store.read(
        lambda c: [r[0] for r in c.execute("SELECT endpoint FROM push_subscriptions")]
    )


def test_new_conflicts_make_one_push_per_interval_decrypted_at_the_receiver(
    client: TestClient,
    app: Starlette,
    make_sim: Callable[..., SimDevice],
    supervisor: User,
    receiver: Receiver,
) -> None:
    key = client.get("/api/push/vapid-public-key").json()["public_key"]
    sub = _subscribe(client, receiver, "sup-tablet")
    sim = make_sim()
    sim.record("count", "SKU-1", 60, to="A-01")
    sim.record("count", "SKU-2", 10, to="A-01")
    sim.record("pick", "SKU-1", 500, from_="A-02", to="TOTE-1")
    sim.push()
    report = app.state.push_sender.run_once()
    assert (report.notices, report.sent) == (1, 1)
    [got] = receiver.received
    assert got.path == "/push/sup-tablet"
    assert got.headers["content-encoding"] == "aes128gcm"
    assert f"k={key}" in got.headers["authorization"]  # signed with the server's VAPID key
    payload = sub.decrypt(got.body)
    assert (payload["kind"], payload["count"]) == ("conflicts", 3)
    assert payload["codes"] == {"COUNT_VARIANCE": 2, "NEGATIVE_STOCK": 1}
    assert payload["url"] == "/console/conflicts"
    # nothing new: nothing sent
    assert app.state.push_sender.run_once().sent == 0
    assert len(receiver.received) == 1


def test_subscriptions_answering_410_or_404_are_removed(
    client: TestClient,
    app: Starlette,
    make_sim: Callable[..., SimDevice],
    supervisor: User,
    receiver: Receiver,
    store: Store,
) -> None:
    _subscribe(client, receiver, "gone")
    _subscribe(client, receiver, "unknown")
    kept = _subscribe(client, receiver, "kept")
    sim = make_sim()
    sim.record("count", "SKU-1", 60, to="A-01")
    sim.push()
    report = app.state.push_sender.run_once()
    assert report.removed == [f"{receiver.base}/push/gone", f"{receiver.base}/push/unknown"]
    assert _subscriptions(store) == [kept.endpoint]
    assert sorted(r.path for r in receiver.received) == ["/push/gone", "/push/kept",
                                                         "/push/unknown"]  # fmt: skip


def test_silent_devices_with_work_pending_are_pushed_once(
    client: TestClient,
    app: Starlette,
    make_sim: Callable[..., SimDevice],
    supervisor: User,
    receiver: Receiver,
    store: Store,
) -> None:
    sub = _subscribe(client, receiver, "sup")
    sim = make_sim("handheld-3", "picker")
    sim.record("pick", "SKU-1", 1, from_="A-01", to="TOTE-1")
    body = {**sim.envelope(sim.outbox), "pending": 40, "oldest_pending_at": iso(utcnow())}
    assert client.post("/api/sync/push", json=body, headers=sim.headers).status_code == 200
    app.state.push_sender.run_once()  # not silent yet
    assert receiver.received == []
    store.write(
        lambda c: c.execute(
            "UPDATE devices SET last_push_at = ? WHERE id = ?",
            (iso(utcnow() - timedelta(hours=5)), sim.device_id),
        )
    )
    app.state.push_sender.run_once()
    [got] = receiver.received
    payload = sub.decrypt(got.body)
    assert payload["kind"] == "silent_devices" and payload["devices"] == [sim.device_id]
    assert "handheld-3" in payload["body"] and "40 pending" in payload["body"]
    app.state.push_sender.run_once()
    assert len(receiver.received) == 1  # the same silence is not told twice


def test_a_picker_is_pushed_when_a_pick_list_is_assigned(
    client: TestClient,
    app: Starlette,
    make_user: Callable[..., User],
    login: Callable[..., None],
    warehouse: Store,
    receiver: Receiver,
) -> None:
    picker = make_user("picker", "pia")
    login("pia")
    sub = _subscribe(client, receiver, "pia-phone")
    client.cookies.clear()
    login(make_user("supervisor").username)
    assert client.post("/api/orders", json=order_body("W-9", "SKU-1", 3)).status_code == 201
    [pick_list] = client.post("/api/waves", json={}).json()["pick_lists"]
    app.state.push_sender.run_once()  # a list made but given to no one
    assert receiver.received == []
    number = pick_list
    assert (
        client.post(
            f"/api/pick-lists/{number}/assign", json={"username": picker.username}
        ).status_code
        == 200
    )
    app.state.push_sender.run_once()
    [got] = receiver.received
    assert got.path == "/push/pia-phone"
    payload = sub.decrypt(got.body)
    assert (payload["kind"], payload["list"]) == ("pick_list", number)
    assert payload["url"] == "/app#pick"  # the app's Pick screen


def test_the_lifespan_sends_in_the_background(
    app_factory: Callable[[Settings], Starlette],
    settings: Settings,
    make_user: Callable[..., User],
    login: Callable[..., None],
    receiver: Receiver,
    store: Store,
    client: TestClient,
) -> None:
    make_user("supervisor", "sue")
    client.__exit__(None, None, None)
    with TestClient(app_factory(replace(settings, push_interval_seconds=1))) as live:
        page = live.get("/login")
        token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        live.post(
            "/login", data={"username": "sue", "password": "correct-horse-battery", "csrf": token}
        )
        sub = BrowserSubscription(f"{receiver.base}/push/sue")
        assert live.post("/api/push/subscriptions", json=sub.as_json()).status_code == 201
        register = live.post(
            "/api/devices",
            json={"name": "d", "username": "sue", "password": "correct-horse-battery"},
        )
        creds = register.json()
        sim = SimDevice(live, creds["device_id"], creds["token"], creds["epoch"], user="sue")
        sim.record("receive", "NO-SUCH-ITEM", 1, to="DOCK")
        assert sim.push()["results"][0]["outcome"] == "held"
        deadline = time.monotonic() + 10
        while not receiver.received and time.monotonic() < deadline:
            time.sleep(0.1)
    [got] = receiver.received
    assert sub.decrypt(got.body)["codes"] == {"UNKNOWN_ITEM": 1}


def test_subscriptions_are_checked(client: TestClient, logged_in: Callable[..., User]) -> None:
    logged_in("picker")
    bad = client.post(
        "/api/push/subscriptions",
        json={"endpoint": "ftp://x", "keys": {"p256dh": "AA", "auth": "AA"}},
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    short = client.post(
        "/api/push/subscriptions",
        json={"endpoint": "https://push.example/1", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
    )
    assert short.status_code == 400 and "65 bytes" in short.json()["message"]


def test_each_person_sees_and_deletes_only_their_own_subscriptions(
    client: TestClient,
    make_user: Callable[..., User],
    login: Callable[..., None],
    receiver: Receiver,
) -> None:
    make_user("picker", "pia")
    make_user("supervisor", "sam")
    login("pia")
    mine = _subscribe(client, receiver, "pia-phone")
    listed = client.get("/api/push/subscriptions").json()
    assert listed["username"] == "pia"
    assert [s["endpoint"] for s in listed["subscriptions"]] == [mine.endpoint]
    assert "keys" not in listed["subscriptions"][0]  # the secrets stay on the server
    client.cookies.clear()
    login("sam")
    assert client.get("/api/push/subscriptions").json()["subscriptions"] == []
    # someone else's endpoint is not deleted, and the answer does not say it was
    theirs = client.post("/api/push/subscriptions/delete", json={"endpoint": mine.endpoint})
    assert theirs.status_code == 200 and theirs.json()["deleted"] is False
    client.cookies.clear()
    login("pia")
    assert len(client.get("/api/push/subscriptions").json()["subscriptions"]) == 1
    deleted = client.post("/api/push/subscriptions/delete", json={"endpoint": mine.endpoint})
    assert deleted.is_success and deleted.json()["deleted"] is True
    assert client.get("/api/push/subscriptions").json()["subscriptions"] == []


def _logout(client: TestClient) -> None:
    page = client.get("/")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303


def test_logging_out_forgets_the_subscription_that_session_made(
    client: TestClient,
    make_user: Callable[..., User],
    login: Callable[..., None],
    receiver: Receiver,
) -> None:
    make_user("picker", "pia")
    login("pia")
    handheld = _subscribe(client, receiver, "handheld")
    assert client.get("/api/push/subscriptions").json()["session_endpoint"] == handheld.endpoint
    client.cookies.clear()  # another browser of pia's, which did not subscribe, logs out
    login("pia")
    assert client.get("/api/push/subscriptions").json()["session_endpoint"] is None
    _logout(client)
    login("pia")
    listed = client.get("/api/push/subscriptions").json()["subscriptions"]
    assert [s["endpoint"] for s in listed] == [handheld.endpoint]
    # this session learns it (as the app does when it finds the browser subscribed)...
    assert client.post("/api/push/subscriptions", json=handheld.as_json()).status_code == 201
    _logout(client)  # ...so logging out here forgets it
    login("pia")
    assert client.get("/api/push/subscriptions").json()["subscriptions"] == []
