"""Every route says who may call it, and the app enforces it.

A new route must be added to PUBLIC or to GUARDED below, with the access it
declares, or the first test fails: nothing is reachable by accident.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from server.auth import ANY_ROLE, Access, access_of
from server.users import User

# Reachable without logging in (the view checks whatever it needs itself).
PUBLIC = {
    ("GET", "/healthz"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/api/devices"),  # the body carries a password or an enrolment code
    ("POST", "/api/webhooks/carrier"),  # HMAC-signed by the carrier
    ("GET", "/track/{token}"),  # an unguessable token
    ("GET", "/api/track/{token}"),  # the same, as JSON
    ("POST", "/api/webhooks/payment"),  # an HMAC signature of the body (tests/intake)
    ("GET", "/sw.js"),  # the service worker: the app's code, no data
    ("GET", "/manifest.webmanifest"),
    ("GET", "/favicon.ico"),  # the app's icon
}
PUBLIC_MOUNTS = {"/static"}

EVERYONE = frozenset(ANY_ROLE)
MANAGERS = Access(roles=frozenset({"supervisor", "admin"}))
GUARDED = {
    ("POST", "/api/sync/push"): Access(device=True),
    ("POST", "/api/sync/pull"): Access(device=True),
    ("GET", "/api/movements/{movement_id}"): Access(roles=EVERYONE, device=True),
    ("GET", "/api/stock"): Access(roles=EVERYONE, device=True),
    ("POST", "/api/enrolment-codes"): Access(roles=frozenset({"supervisor", "admin"})),
    ("POST", "/api/orders"): Access(roles=frozenset({"supervisor", "admin"})),
    ("POST", "/api/orders/batch"): Access(roles=frozenset({"supervisor", "admin"})),
    ("GET", "/api/orders/{number}"): Access(roles=EVERYONE),
    ("POST", "/api/orders/{number}/cancel"): Access(roles=frozenset({"supervisor", "admin"})),
    ("POST", "/api/waves"): Access(roles=frozenset({"supervisor", "admin"})),
    ("GET", "/api/pick-lists/{number}"): Access(roles=EVERYONE),
    ("POST", "/api/pick-lists/{number}/assign"): Access(roles=frozenset({"supervisor", "admin"})),
    ("POST", "/api/scan"): Access(roles=EVERYONE, device=True),
    ("GET", "/labels"): Access(roles=frozenset({"supervisor", "admin"})),
    # the supervisor console (issue 6)
    ("GET", "/api/conflicts"): MANAGERS,
    ("GET", "/api/conflicts/{conflict_id}"): MANAGERS,
    ("POST", "/api/conflicts/{conflict_id}/resolve"): MANAGERS,
    ("POST", "/api/conflicts/bulk-accept"): MANAGERS,
    ("GET", "/api/fleet"): MANAGERS,
    ("POST", "/api/devices/{device_id}/revoke"): MANAGERS,
    ("GET", "/api/audit"): MANAGERS,
    ("GET", "/api/audit.csv"): MANAGERS,
    ("GET", "/api/dashboard"): MANAGERS,
    ("GET", "/api/push/vapid-public-key"): Access(roles=EVERYONE),
    ("POST", "/api/push/subscriptions"): Access(roles=EVERYONE),
    ("GET", "/api/push/subscriptions"): Access(roles=EVERYONE),
    ("POST", "/api/push/subscriptions/delete"): Access(roles=EVERYONE),
    ("GET", "/console"): MANAGERS,
    ("GET", "/console/conflicts"): MANAGERS,
    ("POST", "/console/conflicts/bulk-accept"): MANAGERS,
    ("GET", "/console/conflicts/{conflict_id}"): MANAGERS,
    ("POST", "/console/conflicts/{conflict_id}/resolve"): MANAGERS,
    ("GET", "/console/devices"): MANAGERS,
    ("POST", "/console/devices/{device_id}/revoke"): MANAGERS,
    ("POST", "/console/enrol"): MANAGERS,
    ("GET", "/console/audit"): MANAGERS,
    ("GET", "/api/orders/{number}/packing"): Access(roles=EVERYONE),
    ("POST", "/api/orders/{number}/cartons"): Access(roles=EVERYONE),
    ("GET", "/api/cartons/{number}"): Access(roles=EVERYONE),
    ("POST", "/api/cartons/{number}/items"): Access(roles=EVERYONE),
    ("POST", "/api/cartons/{number}/close"): Access(roles=EVERYONE),
    ("POST", "/api/orders/{number}/shipments"): Access(roles=EVERYONE),
    ("GET", "/api/shipments/{number}"): Access(roles=EVERYONE),
    ("POST", "/api/shipments/{number}/delivered"): MANAGERS,
    ("POST", "/api/orders/{number}/tracking-link"): MANAGERS,
    ("POST", "/api/rmas"): MANAGERS,
    ("GET", "/api/rmas/{number}"): Access(roles=EVERYONE),
    ("POST", "/api/rmas/{number}/refund"): MANAGERS,
    ("POST", "/api/rmas/{number}/exchange"): MANAGERS,
    ("POST", "/api/returns"): Access(roles=EVERYONE),
    ("GET", "/pack"): Access(roles=EVERYONE),
    ("GET", "/pack/{number}"): Access(roles=EVERYONE),
    ("POST", "/pack/{number}"): Access(roles=EVERYONE),
    ("GET", "/slips/{number}"): Access(roles=EVERYONE),
    ("GET", "/shipping-labels/{number}"): Access(roles=EVERYONE),
    ("GET", "/returns"): Access(roles=EVERYONE),
    ("GET", "/returns/{number}"): Access(roles=EVERYONE),
    ("POST", "/returns/{number}"): Access(roles=EVERYONE),
    ("POST", "/api/webhook-endpoints"): Access(roles=frozenset({"admin"})),
    ("GET", "/api/webhook-endpoints"): Access(roles=frozenset({"admin"})),
    ("POST", "/api/webhook-endpoints/{endpoint}/disable"): Access(roles=frozenset({"admin"})),
    ("GET", "/api/webhook-endpoints/{endpoint}/deliveries"): Access(roles=frozenset({"admin"})),
    ("GET", "/orders"): Access(roles=EVERYONE),
    ("GET", "/orders/new"): Access(roles=frozenset({"supervisor", "admin"})),
    ("POST", "/orders/new"): Access(roles=frozenset({"supervisor", "admin"})),
    ("GET", "/orders/{number}"): Access(roles=EVERYONE),
    ("POST", "/orders/{number}/cancel"): Access(roles=frozenset({"supervisor", "admin"})),
    # RMAs, refunds and delivery by hand from the staff pages (as the JSON API allows)
    ("GET", "/orders/{number}/rma"): MANAGERS,
    ("POST", "/orders/{number}/rma"): MANAGERS,
    ("GET", "/rmas/{number}"): Access(roles=EVERYONE),
    ("POST", "/rmas/{number}/refund"): MANAGERS,
    ("POST", "/shipments/{number}/delivered"): MANAGERS,
    ("POST", "/api/count-tasks"): Access(roles=frozenset({"supervisor", "admin"})),
    ("GET", "/"): Access(roles=EVERYONE),
    ("GET", "/app"): Access(roles=EVERYONE),
    ("GET", "/stock"): Access(roles=EVERYONE),
    ("POST", "/logout"): Access(roles=EVERYONE),
}


def endpoints(app: Starlette) -> Iterator[tuple[str, str, Any]]:
    for route in app.routes:
        if isinstance(route, Mount):
            assert route.path in PUBLIC_MOUNTS, f"unexpected mount {route.path}"
            continue
        assert isinstance(route, Route), f"unexpected route type {route!r}"
        for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
            yield method, route.path, route.endpoint


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "some-id", path)


def call(client: TestClient, method: str, path: str, **kwargs: Any) -> Any:
    if method != "GET" and "data" not in kwargs:
        kwargs.setdefault("json", {})
    return client.request(method, concrete(path), follow_redirects=False, **kwargs)


def test_every_route_is_public_or_guarded_as_listed(app: Starlette) -> None:
    seen = set()
    for method, path, endpoint in endpoints(app):
        seen.add((method, path))
        access = access_of(endpoint)
        assert access is not None, f"{method} {path} declares no access rule"
        if (method, path) in PUBLIC:
            assert access.public, f"{method} {path} is listed public but is guarded"
        else:
            assert (method, path) in GUARDED, f"new route {method} {path}: add it to a list"
            assert not access.public, f"{method} {path} is public: add it to PUBLIC"
            assert access == GUARDED[(method, path)], f"{method} {path} access changed"
    assert seen == PUBLIC | set(GUARDED)


@pytest.mark.parametrize(("method", "path"), sorted(GUARDED))
def test_anonymous_is_refused(client: TestClient, method: str, path: str) -> None:
    response = call(client, method, path)
    if path.startswith("/api/"):
        assert response.status_code == 401
        body = response.json()
        assert body["ok"] is False and body["error"] == "unauthorized"
    else:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def test_anonymous_page_remembers_where_it_was_going(client: TestClient) -> None:
    response = client.get("/stock?item=SKU-1", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2Fstock%3Fitem%3DSKU-1"


# Routes open to some roles only.
ROLE_LIMITED = sorted(
    k for k, access in GUARDED.items() if access.roles and access.roles != EVERYONE
)


@pytest.mark.parametrize(("method", "path"), ROLE_LIMITED)
def test_roles_outside_the_list_are_refused(
    client: TestClient,
    make_user: Callable[..., User],
    login: Callable[..., None],
    method: str,
    path: str,
) -> None:
    allowed = GUARDED[(method, path)].roles
    for role in sorted(EVERYONE - allowed):
        client.cookies.clear()
        login(make_user(role).username)
        response = call(client, method, path)
        assert response.status_code == 403, (role, response.text)
        if path.startswith("/api/"):
            assert response.json()["error"] == "forbidden"


@pytest.mark.parametrize(("method", "path"), ROLE_LIMITED)
def test_roles_in_the_list_get_through(
    client: TestClient,
    make_user: Callable[..., User],
    login: Callable[..., None],
    method: str,
    path: str,
) -> None:
    for role in sorted(GUARDED[(method, path)].roles):
        client.cookies.clear()
        login(make_user(role).username)
        # through the guard: the view may still find the (empty) request wanting
        extra: dict[str, Any] = {}
        if method == "POST" and not path.startswith("/api/"):  # a page form: with its CSRF token
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text)
            assert token is not None
            extra = {"data": {"csrf": token.group(1)}, "json": None}
        assert call(client, method, path, **extra).status_code not in (401, 403), role


@pytest.mark.parametrize(("method", "path"), sorted(k for k, a in GUARDED.items() if not a.roles))
def test_device_only_routes_refuse_a_session(
    client: TestClient, logged_in: Callable[..., User], method: str, path: str
) -> None:
    logged_in("admin")
    assert call(client, method, path).status_code == 401


@pytest.mark.parametrize(("method", "path"), sorted(k for k, a in GUARDED.items() if not a.device))
def test_person_only_routes_ignore_device_tokens(
    client: TestClient, device: Any, method: str, path: str
) -> None:
    response = call(client, method, path, headers=device.headers)
    assert response.status_code == (401 if path.startswith("/api/") else 303)


def test_public_routes_answer_anonymously(client: TestClient) -> None:
    assert client.get("/healthz").json()["ok"] is True
    assert client.get("/login").status_code == 200
    assert client.get("/static/css/app.css").status_code == 200
