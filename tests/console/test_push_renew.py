"""A browser's rotated push subscription (its service worker's
pushsubscriptionchange) saved with ``old_endpoint``: the server keeps the new
one in place of the old, through the real app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pushreceiver import BrowserSubscription
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


def _endpoints(store: Store) -> list[tuple[str, str]]:
    return store.read(
        lambda c: [
            (r[0], r[1])
            for r in c.execute("SELECT username, endpoint FROM push_subscriptions ORDER BY id")
        ]
    )


def _save(client: TestClient, sub: BrowserSubscription, **extra: Any) -> Any:
    return client.post("/api/push/subscriptions", json={**sub.as_json(), **extra})


def _logout(client: TestClient) -> None:
    page = client.get("/")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    assert client.post("/logout", data={"csrf": csrf}, follow_redirects=False).status_code == 303


def test_a_renewed_subscription_takes_the_old_ones_place(
    client: TestClient, store: Store, make_user: Callable[..., User], login: Callable[..., None]
) -> None:
    make_user("picker", "pia")
    login("pia")
    old = BrowserSubscription("https://push.example/send/old")
    new = BrowserSubscription("https://push.example/send/new")
    assert _save(client, old).status_code == 201
    renewed = _save(client, new, old_endpoint=old.endpoint)
    assert renewed.status_code == 201, renewed.text
    assert _endpoints(store) == [("pia", new.endpoint)]  # the old one is gone
    assert renewed.json() | {"id": 0} == {"id": 0, "username": "pia", "replaced": True}
    listed = client.get("/api/push/subscriptions").json()
    assert [s["endpoint"] for s in listed["subscriptions"]] == [new.endpoint]
    assert listed["session_endpoint"] == new.endpoint
    _logout(client)  # the session learnt the new one: logging out forgets it
    assert _endpoints(store) == []


def test_only_the_persons_own_old_subscription_is_dropped(
    client: TestClient, store: Store, make_user: Callable[..., User], login: Callable[..., None]
) -> None:
    make_user("picker", "pia")
    make_user("supervisor", "sam")
    login("sam")
    theirs = BrowserSubscription("https://push.example/send/sam")
    assert _save(client, theirs).status_code == 201
    client.cookies.clear()
    login("pia")
    mine = BrowserSubscription("https://push.example/send/pia")
    answer = _save(client, mine, old_endpoint=theirs.endpoint)
    assert answer.status_code == 201
    assert _endpoints(store) == [("sam", theirs.endpoint), ("pia", mine.endpoint)]
    assert answer.json()["replaced"] is False
    again = _save(client, mine, old_endpoint=mine.endpoint)  # itself: kept
    assert again.status_code == 201 and again.json()["replaced"] is False
    assert _endpoints(store) == [("sam", theirs.endpoint), ("pia", mine.endpoint)]


@pytest.mark.parametrize("old_endpoint", [5, ["https://push.example/send/old"], {"x": 1}])
def test_old_endpoint_must_be_an_endpoint(
    client: TestClient,
    store: Store,
    logged_in: Callable[..., User],
    old_endpoint: object,
) -> None:
    logged_in("picker")
    new = BrowserSubscription("https://push.example/send/new")
    answer = _save(client, new, old_endpoint=old_endpoint)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert "old_endpoint" in answer.json()["message"]
    assert _endpoints(store) == []


def test_a_bad_new_subscription_keeps_the_old_one(
    client: TestClient, store: Store, make_user: Callable[..., User], login: Callable[..., None]
) -> None:
    make_user("picker", "pia")
    login("pia")
    old = BrowserSubscription("https://push.example/send/old")
    assert _save(client, old).status_code == 201
    bad = client.post(
        "/api/push/subscriptions",
        json={"endpoint": "ftp://x", "keys": {"p256dh": "AA", "auth": "AA"},
              "old_endpoint": old.endpoint},
    )  # fmt: skip
    assert bad.status_code == 400
    assert _endpoints(store) == [("pia", old.endpoint)]
