"""People log in with a password; devices register and carry a bearer token."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.database import Store
from server.settings import Settings
from server.users import User, add_user, check_password, set_active, set_role
from sync.devices import hash_secret, revoke_device
from sync.errors import Conflict, InvalidRequest

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match
    return match.group(1)


def post_login(client: TestClient, username: str, password: str, **extra: str) -> Any:
    token = csrf_of(client.get("/login").text)
    form = {"username": username, "password": password, "csrf": token, **extra}
    return client.post("/login", data=form, follow_redirects=False)


# -- users -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "role", "password", "complaint"),
    [
        ("", "picker", "long enough", "username"),
        ("a" * 51, "picker", "long enough", "username"),
        ("ana k", "picker", "long enough", "username"),
        ("ana", "boss", "long enough", "role"),
        ("ana", "picker", "short", "password"),
    ],
)
def test_add_user_refuses_bad_input(
    store: Store, username: str, role: str, password: str, complaint: str
) -> None:
    with pytest.raises(InvalidRequest, match=complaint):
        store.transact(add_user, username, role, password)


def test_add_user_refuses_a_taken_name(make_user: Callable[..., User]) -> None:
    make_user("picker", username="ana")
    with pytest.raises(Conflict):
        make_user("counter", username="ana")


def test_check_password(
    store: Store, make_user: Callable[..., User], password: str, app: Starlette
) -> None:
    user = make_user("counter", username="ana.k")
    hasher = app.state.password_hasher
    assert store.read(check_password, "ana.k", password, hasher=hasher) == user
    assert store.read(check_password, "ana.k", "wrong-password", hasher=hasher) is None
    assert store.read(check_password, "nobody", password, hasher=hasher) is None
    store.write(set_active, "ana.k", False)
    assert store.read(check_password, "ana.k", password, hasher=hasher) is None


def test_check_password_upgrades_an_old_hash(
    store: Store, make_user: Callable[..., User], password: str
) -> None:
    make_user("picker", username="ana")  # hashed with the cheap test parameters
    old = store.read(lambda c: c.execute("SELECT password_hash FROM users").fetchone()[0])
    assert store.read(check_password, "ana", password) is not None  # default hasher
    new = store.read(lambda c: c.execute("SELECT password_hash FROM users").fetchone()[0])
    assert new != old and new.startswith("$argon2id$")


# -- browser sessions ----------------------------------------------------------


def test_login_and_logout(
    client: TestClient, make_user: Callable[..., User], password: str
) -> None:
    make_user("supervisor", username="sam")
    response = post_login(client, "sam", password, next="/stock?item=X")
    assert response.status_code == 303
    assert response.headers["location"] == "/stock?item=X"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("shelfsync_session=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "Max-Age=43200" in cookie and "secure" not in cookie.lower()

    home = client.get("/")
    assert home.status_code == 200
    assert "sam" in home.text and "supervisor" in home.text

    response = client.post("/logout", data={"csrf": csrf_of(home.text)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize(("role", "said"), [("admin", "an"), ("picker", "a"), ("counter", "a")])
def test_the_home_page_says_the_role(
    client: TestClient, make_user: Callable[..., User], password: str, role: str, said: str
) -> None:
    make_user(role, username="kim")
    post_login(client, "kim", password)
    assert f"You are logged in as {said} <strong>{role}</strong>." in client.get("/").text


def test_wrong_password(client: TestClient, make_user: Callable[..., User]) -> None:
    make_user("picker", username="ana")
    response = post_login(client, "ana", "not-the-password")
    assert response.status_code == 400
    assert "Wrong username or password" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_needs_the_csrf_token(
    client: TestClient, make_user: Callable[..., User], password: str
) -> None:
    make_user("picker", username="ana")
    client.get("/login")
    form = {"username": "ana", "password": password, "csrf": "forged"}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(
    client: TestClient, make_user: Callable[..., User], password: str, target: str
) -> None:
    make_user("picker", username="ana")
    response = post_login(client, "ana", password, next=target)
    assert response.headers["location"] == "/"


def test_session_cookie_is_signed(
    client: TestClient, make_user: Callable[..., User], logged_in: Callable[..., User]
) -> None:
    admin = make_user("admin")
    logged_in("picker")
    genuine = client.cookies["shelfsync_session"]
    payload, signature = genuine.split(".", 1)
    session = json.loads(base64.b64decode(payload))
    session["uid"] = admin.id  # claim to be the admin, keep the picker's signature
    forged = base64.b64encode(json.dumps(session).encode()).decode() + "." + signature
    client.cookies.clear()
    client.cookies.set("shelfsync_session", forged)
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.post("/api/enrolment-codes", json={}).status_code == 401
    client.cookies.clear()
    client.cookies.set("shelfsync_session", genuine)
    assert client.get("/", follow_redirects=False).status_code == 200


def test_deactivated_user_loses_the_session(
    client: TestClient, store: Store, logged_in: Callable[..., User]
) -> None:
    user = logged_in("picker")
    assert client.get("/").status_code == 200
    store.write(set_active, user.username, False)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_role_change_takes_effect_at_once(
    client: TestClient, store: Store, logged_in: Callable[..., User]
) -> None:
    user = logged_in("supervisor")
    assert client.post("/api/enrolment-codes", json={}).status_code == 200
    store.write(set_role, user.username, "picker")
    assert client.post("/api/enrolment-codes", json={}).status_code == 403


def test_secure_cookies(
    app_factory: Callable[[Settings], Starlette],
    settings: Settings,
    make_user: Callable[..., User],
) -> None:
    app = app_factory(replace(settings, secure_cookies=True, session_hours=1))
    with TestClient(app, base_url="https://testserver") as client:
        cookie = client.get("/login").headers["set-cookie"]
    assert "secure" in cookie.lower() and "Max-Age=3600" in cookie


# -- device registration -------------------------------------------------------


def test_register_device_with_password(
    client: TestClient, store: Store, make_user: Callable[..., User], password: str
) -> None:
    make_user("picker", username="ana")
    body = {"name": "scanner-07", "username": "ana", "password": password, "app_version": "1.2"}
    response = client.post("/api/devices", json=body)
    assert response.status_code == 200
    registration = response.json()
    assert set(registration) == {"device_id", "token", "epoch"}
    assert registration["epoch"] == client.get("/healthz").json()["epoch"]
    row = store.read(
        lambda c: c.execute(
            "SELECT name, username, app_version, token_hash FROM devices WHERE id = ?",
            (registration["device_id"],),
        ).fetchone()
    )
    assert tuple(row) == ("scanner-07", "ana", "1.2", hash_secret(registration["token"]))


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "s", "username": "ana", "password": "wrong-password"}, 401),
        ({"name": "s", "username": "nobody", "password": "whatever-it-is"}, 401),
        ({"name": "s", "username": "ana"}, 401),
        ({"name": "s"}, 401),
        ({}, 401),
        ({"name": "", "username": "ana", "password": "correct-horse-battery"}, 400),
        ({"name": "s", "enrolment_code": "never-made"}, 401),
        ({"name": "s", "username": "ana", "password": "x", "app_version": 7}, 400),
    ],
)
def test_register_device_refusals(
    client: TestClient, make_user: Callable[..., User], body: dict[str, Any], status: int
) -> None:
    make_user("picker", username="ana")
    response = client.post("/api/devices", json=body)
    assert response.status_code == status, response.text
    assert response.json()["ok"] is False


def test_register_device_with_session(
    client: TestClient, store: Store, logged_in: Callable[..., User]
) -> None:
    user = logged_in("counter")
    response = client.post("/api/devices", json={"name": "tablet"})
    assert response.status_code == 200
    device_id = response.json()["device_id"]
    owner = store.read(
        lambda c: c.execute("SELECT username FROM devices WHERE id = ?", (device_id,)).fetchone()
    )
    assert owner[0] == user.username


def test_register_device_with_session_needs_json(
    client: TestClient, logged_in: Callable[..., User]
) -> None:
    logged_in("counter")
    response = client.post("/api/devices", content=b"{}", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"


def _enrolment_code(client: TestClient) -> dict[str, Any]:
    response = client.post("/api/enrolment-codes", json={})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_enrolment_code_registers_one_device(
    client: TestClient, logged_in: Callable[..., User]
) -> None:
    logged_in("supervisor")
    made = _enrolment_code(client)
    assert set(made) == {"enrolment_code", "expires_at"}
    assert made["expires_at"].endswith("Z")
    client.cookies.clear()  # the handheld has no session

    body = {"name": "handheld-1", "enrolment_code": made["enrolment_code"]}
    first = client.post("/api/devices", json=body)
    assert first.status_code == 200
    assert set(first.json()) == {"device_id", "token", "epoch"}

    again = client.post("/api/devices", json={**body, "name": "handheld-2"})
    assert again.status_code == 401
    assert "already used" in again.json()["message"]


def test_enrolment_code_expires(
    client: TestClient, store: Store, logged_in: Callable[..., User]
) -> None:
    logged_in("admin")
    code = _enrolment_code(client)["enrolment_code"]
    store.write(
        lambda c: c.execute("UPDATE enrolment_codes SET expires_at = '2000-01-01T00:00:00.000Z'")
    )
    response = client.post("/api/devices", json={"name": "late", "enrolment_code": code})
    assert response.status_code == 401
    assert "expired" in response.json()["message"]


def test_enrolment_code_needs_json_from_a_session(
    client: TestClient, logged_in: Callable[..., User]
) -> None:
    logged_in("supervisor")
    response = client.post("/api/enrolment-codes", data={"x": "1"})
    assert response.status_code == 415


# -- device tokens -------------------------------------------------------------


def _push(device: Any, device_id: str | None = None) -> dict[str, Any]:
    return {
        "protocol": 1,
        "device_id": device_id or device.device_id,
        "epoch": device.epoch,
        "device_time": "2026-11-23T09:55:12.331Z",
        "movements": [],
    }


def test_device_token_pushes(client: TestClient, device: Any) -> None:
    response = client.post("/api/sync/push", json=_push(device), headers=device.headers)
    assert response.status_code == 200, response.text
    assert response.json()["results"] == []


def test_revoked_device_is_refused(client: TestClient, store: Store, device: Any) -> None:
    store.transact(revoke_device, device.device_id)
    for path in ("/api/sync/push", "/api/sync/pull", "/api/stock"):
        body = _push(device) if path.endswith("push") else {"protocol": 1}
        response = client.request(
            "GET" if path == "/api/stock" else "POST",
            path,
            json=None if path == "/api/stock" else body,
            headers=device.headers,
        )
        assert response.status_code == 403, path
        assert response.json()["error"] == "forbidden"


def test_token_of_one_device_with_the_id_of_another(
    client: TestClient, make_device: Callable[..., Any]
) -> None:
    a, b = make_device(), make_device()
    response = client.post("/api/sync/push", json=_push(a, b.device_id), headers=a.headers)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    pull = {"protocol": 1, "device_id": b.device_id, "cursor": None}
    assert client.post("/api/sync/pull", json=pull, headers=a.headers).status_code == 403


def test_device_token_reads_stock_and_movements(client: TestClient, device: Any) -> None:
    assert client.get("/api/stock", headers=device.headers).json() == {"stock": []}
    response = client.get("/api/movements/never-sent", headers=device.headers)
    assert response.status_code == 404


def test_a_session_cannot_push(client: TestClient, logged_in: Callable[..., User]) -> None:
    logged_in("admin")
    response = client.post("/api/sync/push", json={"protocol": 1})
    assert response.status_code == 401


def test_a_device_token_on_a_staff_route_is_told_it_needs_a_login(
    client: TestClient, device: Any
) -> None:
    """Not "send a device token": it sent one, and this route takes none."""
    response = client.get("/api/fleet", headers=device.headers)
    assert response.status_code == 401
    assert response.json()["message"] == "a device token does not open this: log in as staff"
    assert client.get("/api/fleet").json()["message"] == "log in first"
    stock = client.get("/api/stock")  # a route a device token does open
    assert stock.json()["message"] == "log in first, or send a device token"
