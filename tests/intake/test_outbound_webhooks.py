"""Outbound webhooks delivered by the app's background task to a real receiver on
127.0.0.1: signed, carrying event ids, retried with back-off, given up after N tries."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from intake.receiver import Receiver, receiver
from orders.orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.settings import Settings
from server.users import User
from sync.local import post_local
from sync.webhook_events import Backoff, enqueue


@pytest.fixture
def settings(db_path: Path) -> Settings:
    # a generous timeout: the receiver shares this process, and on a loaded machine
    # an answer late by 2 s was sent again (rightly), which the burst test counts
    return Settings.from_env({}, db=db_path, webhook_poll_ms=30, webhook_backoff_ms=40,
                             webhook_max_attempts=3, webhook_timeout_ms=10_000)  # fmt: skip


def register(client: TestClient, hook: Receiver, events: list[str] | None = None) -> dict[str, Any]:
    res = client.post("/api/webhook-endpoints", json={"url": hook.url, "events": events})
    assert res.status_code == 201, res.text
    hook.secret = res.json()["secret"]
    return dict(res.json())


def test_order_and_ledger_events_arrive_signed_with_their_ids(
    client: TestClient,
    admin: User,
    store: Store,
    make_user: Callable[..., User],
    login: Callable[..., None],
) -> None:
    with receiver() as hook:
        made = register(client, hook)
        assert made["secret"].startswith("whsec_")
        listed = client.get("/api/webhook-endpoints").json()["endpoints"]
        assert "secret" not in listed[0] and listed[0]["url"] == hook.url
        client.cookies.clear()
        login(make_user("supervisor").username)
        number = client.post("/api/orders", json=order("WH-1", ("SKU-1", 3))).json()["number"]
        [moved] = store.write(post_local, [{"kind": "transfer", "item": "SKU-2", "from": "A-01",
                                            "to": "A-02", "qty": 4}], user="ana")  # fmt: skip
        hook.wait(lambda r: len(r.delivered()) >= 3)
        got = hook.delivered()
        assert all(r.signature_ok for r in hook.seen)
        statuses = sorted(  # sent in parallel: they may arrive in any order
            (r.json for r in got.values() if r.event_type == "order.status"),
            key=lambda e: int(e["id"].removeprefix("oe-")),
        )
        assert [(e["order"], e["from"], e["to"]) for e in statuses] == [
            (number, None, "new"), (number, "new", "allocated")]  # fmt: skip
        assert all(e["id"].startswith("oe-") for e in statuses)
        ledger = got[moved["id"]].json  # a ledger event carries the movement id
        assert (ledger["type"], ledger["kind"], ledger["item"], ledger["units"]) == (
            "ledger.movement", "transfer", "SKU-2", 4)  # fmt: skip
        assert sorted((e["location"], e["qty"]) for e in ledger["entries"]) == [
            ("A-01", -4), ("A-02", 4)]  # fmt: skip
        for r in got.values():
            assert r.json["id"] == r.event_id


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_try(
    client: TestClient, admin: User, store: Store
) -> None:
    with receiver(fail_first=2) as hook:
        made = register(client, hook, ["ledger.movement"])
        [moved] = store.write(post_local, [{"kind": "transfer", "item": "SKU-1", "from": "A-01",
                                            "to": "A-03", "qty": 1}], user="ana")  # fmt: skip
        hook.wait(lambda r: moved["id"] in r.delivered())
        assert [r.status for r in hook.seen] == [500, 500, 200]
        assert {r.event_id for r in hook.seen} == {moved["id"]}  # the same event each time
        assert len({r.body for r in hook.seen}) == 1
        [delivery] = client.get(f"/api/webhook-endpoints/{made['id']}/deliveries").json()[
            "deliveries"]  # fmt: skip
        assert (delivery["state"], delivery["attempts"]) == ("delivered", 3)
        assert [t["status_code"] for t in delivery["tries"]] == [500, 500, 200]
        assert delivery["tries"][0]["error"] == "HTTP 500"


def test_a_receiver_that_keeps_failing_is_given_up_after_max_attempts(
    client: TestClient, admin: User, store: Store
) -> None:
    with receiver(fail_first=100) as hook:
        made = register(client, hook, ["ledger.movement"])
        store.write(post_local, [{"kind": "transfer", "item": "SKU-1", "from": "A-01",
                                  "to": "A-03", "qty": 1}], user="ana")  # fmt: skip

        def given_up(_: Receiver) -> bool:
            found = client.get(f"/api/webhook-endpoints/{made['id']}/deliveries").json()
            return bool(found["deliveries"]) and found["deliveries"][0]["state"] == "failed"

        hook.wait(given_up)
        assert len(hook.seen) == 3  # webhook_max_attempts
        listed = client.get("/api/webhook-endpoints").json()["endpoints"][0]
        assert (listed["failed"], listed["delivered"], listed["pending"]) == (1, 0, 0)


def test_an_unreachable_endpoint_is_retried_and_recorded(
    client: TestClient, admin: User, store: Store
) -> None:
    with receiver() as hook:
        url = hook.url
    res = client.post("/api/webhook-endpoints", json={"url": url, "events": ["ledger.movement"]})
    store.write(post_local, [{"kind": "transfer", "item": "SKU-1", "from": "A-01", "to": "A-03",
                              "qty": 1}], user="ana")  # fmt: skip
    endpoint = res.json()["id"]

    def failed(_: Any) -> bool:
        found = client.get(f"/api/webhook-endpoints/{endpoint}/deliveries").json()["deliveries"]
        return bool(found) and found[0]["state"] == "failed"

    Receiver(url).wait(failed)
    [delivery] = client.get(f"/api/webhook-endpoints/{endpoint}/deliveries").json()["deliveries"]
    assert [t["status_code"] for t in delivery["tries"]] == [None, None, None]
    assert all("Connect" in t["error"] or "connect" in t["error"] for t in delivery["tries"])


def test_each_endpoint_gets_each_event_once_in_the_bookkeeping(
    client: TestClient, admin: User, store: Store
) -> None:
    for url in ("http://127.0.0.1:9/a", "http://127.0.0.1:9/b"):
        client.post("/api/webhook-endpoints", json={"url": url, "events": ["ledger.movement"]})
    store.write(post_local, [{"kind": "transfer", "item": "SKU-1", "from": "A-01", "to": "A-03",
                              "qty": 1}] * 3, user="ana")  # fmt: skip
    store.write(enqueue)
    store.write(enqueue)  # again: nothing new
    rows = store.read(lambda c: c.execute(
        "SELECT endpoint_id, count(*), count(DISTINCT event_id) FROM webhook_deliveries"
        " GROUP BY endpoint_id").fetchall())  # fmt: skip
    assert [tuple(r)[1:] for r in rows] == [(3, 3), (3, 3)]


def test_bad_endpoints_are_refused(client: TestClient, admin: User) -> None:
    res = client.post("/api/webhook-endpoints", json={"url": "ftp://x", "events": ["nope"]})
    assert res.status_code == 400
    assert res.json()["errors"] == ["url: an http:// or https:// address",
                                    "events: a list of some of order.status, order.payment,"
                                    " ledger.movement"]  # fmt: skip


def test_back_off_doubles_with_jitter_and_is_capped() -> None:
    backoff = Backoff(max_attempts=8, base_ms=1000, max_ms=5000)
    for attempt, ceiling in ((1, 1000), (2, 2000), (3, 4000), (4, 5000), (7, 5000)):
        delays = {backoff.delay_ms(attempt) for _ in range(50)}
        assert all(ceiling // 2 <= d <= ceiling for d in delays), (attempt, delays)
        assert len(delays) > 1  # jitter


def test_a_burst_of_orders_reaches_the_receiver_once_per_event(
    client: TestClient, admin: User, make_user: Callable[..., User], login: Callable[..., None]
) -> None:
    with receiver() as hook:
        made = register(client, hook, ["order.status"])
        client.cookies.clear()
        login(make_user("supervisor").username)
        for n in range(40):
            assert client.post("/api/orders", json=order(f"B-{n}", ("SKU-1", 1))).status_code == 201
        hook.wait(lambda r: len(r.delivered()) >= 80, seconds=30)
        assert len(hook.seen) == 80  # each event sent once: none lost, none twice
        assert len({r.event_id for r in hook.seen}) == 80
        client.cookies.clear()
        login(make_user("admin").username)

        def tally() -> list[tuple[str, int, int]]:
            listed = client.get("/api/webhook-endpoints").json()["endpoints"]
            return [(e["id"], e["delivered"], e["pending"]) for e in listed]

        # the receiver has answered the last request; the server records it just after
        deadline = time.monotonic() + 10
        while tally() != [(made["id"], 80, 0)] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert tally() == [(made["id"], 80, 0)]
        assert len(hook.seen) == 80


def test_a_disabled_endpoint_gets_nothing_more(
    client: TestClient, admin: User, store: Store
) -> None:
    with receiver() as hook:
        made = register(client, hook, ["ledger.movement"])
        move = [{"kind": "transfer", "item": "SKU-1", "from": "A-01", "to": "A-03", "qty": 1}]
        [first] = store.write(post_local, move, user="ana")
        hook.wait(lambda r: first["id"] in r.delivered())
        res = client.post(f"/api/webhook-endpoints/{made['id']}/disable", json={})
        assert res.status_code == 200 and res.json()["active"] is False
        store.write(post_local, move, user="ana")
        store.write(enqueue)  # what the task would do next
        time.sleep(0.5)  # many poll intervals of the sending task
        assert [r.event_id for r in hook.seen] == [first["id"]]
        found = client.get(f"/api/webhook-endpoints/{made['id']}/deliveries").json()
        assert len(found["deliveries"]) == 1
        assert client.post("/api/webhook-endpoints/WH-99/disable", json={}).status_code == 404


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://" + "a" * 5000 + ".com",
         "url: each part of the host name between dots is at most 63 characters"),
        ("https://" + "a" * 64 + ".example.com/hooks",
         "url: each part of the host name between dots is at most 63 characters"),
        ("https://" + ".".join(["a" * 60] * 5) + "/hooks",
         "url: the host name is at most 253 characters"),
        ("https://shop..example.com/hooks", "url: the host name has an empty part"),
        ("https://shop example.com/hooks",
         "url: the host name has characters other than letters, digits, - and _"),
        ("https://[::1/hooks", "url: an http:// or https:// address"),
        ("https://example.com:99999/hooks", "url: the port is a number from 1 to 65535"),
    ],
    ids=["5000-label", "64-label", "long-host", "empty-label", "space", "ipv6", "port"],
)  # fmt: skip
def test_an_endpoint_whose_host_cannot_be_sent_to_is_refused(
    client: TestClient, admin: User, url: str, problem: str
) -> None:
    res = client.post("/api/webhook-endpoints", json={"url": url})
    assert res.status_code == 400, res.text
    body = res.json()
    assert (body["ok"], body["error"], body["status"]) == (False, "invalid_request", 400)
    assert body["errors"] == [problem]
    assert body["message"] == f"the endpoint is not valid: {problem}"
    assert client.get("/api/webhook-endpoints").json()["endpoints"] == []


@pytest.mark.parametrize(
    "url",
    ["https://" + "a" * 63 + ".example.com/hooks", "https://bücher.example/hooks",
     "http://[::1]:8080/hooks", "http://hooks.example.com./x"],
    ids=["63-label", "idna", "ipv6", "fqdn"],
)  # fmt: skip
def test_long_but_valid_hosts_are_accepted(client: TestClient, admin: User, url: str) -> None:
    assert client.post("/api/webhook-endpoints", json={"url": url}).status_code == 201


def test_a_delivery_that_raises_is_a_failed_try_and_others_are_still_sent(
    client: TestClient, bad_endpoint: dict[str, Any], store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    move = {"kind": "transfer", "item": "SKU-1", "from": "A-01", "to": "A-03", "qty": 1}
    store.write(post_local, [move] * 40, user="ana")  # more than one round's worth (32)
    store.write(enqueue)
    with receiver() as hook:
        register(client, hook, ["ledger.movement"])
        [moved] = store.write(post_local, [move], user="ana")
        hook.wait(lambda r: moved["id"] in r.delivered())

        def all_given_up(_: Receiver) -> bool:
            listed = client.get("/api/webhook-endpoints").json()["endpoints"]
            return listed[0]["failed"] == 41  # webhook_max_attempts tries each

        hook.wait(all_given_up)
    url = f"/api/webhook-endpoints/{bad_endpoint['id']}/deliveries"
    found = client.get(url).json()["deliveries"]
    assert {(d["state"], d["attempts"]) for d in found} == {("failed", 3)}
    tries = [t for d in found for t in d["tries"]]
    assert all(t["status_code"] is None and t["error"].startswith("UnicodeError") for t in tries)
    assert "webhook delivery tick failed" not in caplog.text
