"""Password guessing is slowed down: a name locks after a few failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.errors import TooManyAttempts
from server.login_throttle import LoginThrottle
from server.security_headers import SECURITY_HEADERS
from server.users import User
from tests.test_auth import post_login


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_name_locks_after_the_limit_and_unlocks_after_the_window() -> None:
    clock = Clock()
    throttle = LoginThrottle(3, 600, clock=clock)
    for _ in range(3):
        throttle.check("Ana", "10.0.0.5")
        throttle.failed("Ana", "10.0.0.5")
        clock.now += 10
    with pytest.raises(TooManyAttempts) as refused:
        throttle.check(" ana ", "10.0.0.9")  # the same name, folded, from elsewhere
    assert refused.value.retry_after_s == 600 - 30
    assert "try again in 10 minutes" in refused.value.message
    throttle.check("sam", "10.0.0.9")  # others are not affected
    clock.now += 600 - 30 + 1
    throttle.check("ana", "10.0.0.5")


def test_an_address_gets_five_times_the_tries_across_names() -> None:
    throttle = LoginThrottle(2, 600, clock=Clock())
    for n in range(10):
        throttle.failed(f"user{n}", "10.0.0.5")
    with pytest.raises(TooManyAttempts):
        throttle.check("someone-else", "10.0.0.5")
    throttle.check("someone-else", "10.0.0.6")


def test_success_clears_the_names_failures() -> None:
    throttle = LoginThrottle(2, 600, clock=Clock())
    throttle.failed("ana", None)
    throttle.succeeded("ana")
    throttle.failed("ana", None)
    throttle.check("ana", None)


def test_login_form_refuses_even_the_right_password_when_locked(
    client: TestClient, make_user: Callable[..., User], password: str
) -> None:
    make_user("picker", username="ana")
    for _ in range(5):
        assert post_login(client, "ana", "wrong-password").status_code == 400
    response = post_login(client, "ana", password)
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert int(response.headers["retry-after"]) > 0
    assert client.get("/", follow_redirects=False).status_code == 303  # not logged in


def test_device_registration_by_password_shares_the_lock(
    client: TestClient, make_user: Callable[..., User], password: str
) -> None:
    make_user("picker", username="ana")
    for _ in range(5):
        post_login(client, "ana", "wrong-password")
    response = client.post(
        "/api/devices", json={"name": "scanner-1", "username": "ana", "password": password}
    )
    body: dict[str, Any] = response.json()
    assert response.status_code == 429
    assert body["error"] == "too_many_attempts"
    assert body["ok"] is False and body["status"] == 429
    assert "retry-after" in response.headers


@pytest.mark.parametrize("path", ["/login", "/healthz", "/api/stock", "/no-such-page"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
