"""The one JSON error shape of /api/, and the HTML error page for the rest."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from server.errors import STATUS, error_body, status_of
from server.settings import Settings
from sync import errors

SHAPE_KEYS = {"ok", "error", "message", "errors", "status"}


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body.keys() >= SHAPE_KEYS
    assert body["ok"] is False
    assert body["error"] == code
    assert body["status"] == status
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["errors"], list)
    return body


def test_error_body_is_the_documented_shape() -> None:
    assert error_body(400, "invalid_request", "bad", ["x: missing"]) == {
        "ok": False,
        "error": "invalid_request",
        "message": "bad",
        "errors": ["x: missing"],
        "status": 400,
    }


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (errors.InvalidRequest("m"), 400, "invalid_request"),
        (errors.AuthError("m"), 401, "unauthorized"),
        (errors.DeviceRefused("m"), 403, "forbidden"),
        (errors.NotFound("m"), 404, "not_found"),
        (errors.DeviceForked("m"), 409, "device_forked"),
        (errors.EpochMismatch("m"), 409, "epoch_mismatch"),
        (errors.Conflict("m"), 409, "conflict"),
        (errors.TooLarge("m"), 413, "too_large"),
        (errors.UnsupportedProtocol("m"), 426, "unsupported_protocol"),
        (errors.TransientStoreError("m"), 503, "temporary"),
    ],
)
def test_domain_errors_map_to_statuses(exc: errors.ShelfsyncError, status: int, code: str) -> None:
    assert status_of(exc) == status
    assert exc.code == code


def test_every_domain_error_class_has_a_status() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert cls in STATUS, f"{name} has no HTTP status in server.errors.STATUS"


def test_bad_json_body(client: TestClient) -> None:
    response = client.post(
        "/api/devices", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert_error(response, 400, "invalid_request")


def test_json_that_is_not_an_object(client: TestClient) -> None:
    assert_error(client.post("/api/devices", json=[1, 2]), 400, "invalid_request")


def test_unknown_api_route(client: TestClient) -> None:
    body = assert_error(client.get("/api/no-such-thing"), 404, "not_found")
    assert "/api/no-such-thing" in body["message"]


def test_wrong_method_on_api_route(client: TestClient) -> None:
    response = client.get("/api/devices")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "POST"


def test_unknown_token(client: TestClient) -> None:
    response = client.post(
        "/api/sync/push", json={}, headers={"Authorization": "Bearer not-a-token"}
    )
    assert_error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


def test_no_token(client: TestClient) -> None:
    assert_error(client.post("/api/sync/pull", json={}), 401, "unauthorized")


def test_oversized_push_by_content_length(client: TestClient, device: Any) -> None:
    body = b"[" + b" " * (1024 * 1024) + b"]"
    response = client.post("/api/sync/push", content=body, headers=device.headers)
    assert_error(response, 413, "too_large")


def test_oversized_push_streamed_without_content_length(client: TestClient, device: Any) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(17):
            yield b" " * 65536

    response = client.post("/api/sync/push", content=chunks(), headers=device.headers)
    assert_error(response, 413, "too_large")


def test_epoch_mismatch_is_named_as_the_protocol_names_it(client: TestClient, device: Any) -> None:
    push = {
        "protocol": 1,
        "device_id": device.device_id,
        "epoch": "00000000-0000-4000-8000-000000000000",
        "device_time": "2026-11-23T09:55:12.331Z",
        "movements": [],
    }
    response = client.post("/api/sync/push", json=push, headers=device.headers)
    assert_error(response, 409, "epoch_mismatch")


def test_locked_database_answers_503_with_retry_after(
    app_factory: Callable[[Settings], Starlette], settings: Settings, password: str
) -> None:
    settings = replace(settings, busy_timeout_ms=50)
    with TestClient(app_factory(settings)) as client:
        blocker = sqlite3.connect(settings.db, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            response = client.post(
                "/api/devices",
                json={"name": "s1", "username": "nobody", "password": password},
            )
            # Reads do not wait for the held write lock: unknown user, 401.
            assert_error(response, 401, "unauthorized")
            response = client.post(
                "/api/devices", json={"name": "s1", "enrolment_code": "whatever"}
            )
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
    body = assert_error(response, 503, "temporary")
    assert response.headers["retry-after"] == "1"
    assert body["retry_after_ms"] == 1000


def _boom(request: Request) -> Response:
    raise RuntimeError("secret internals")


@pytest.fixture
def boom_app(app_factory: Callable[[Settings], Starlette], settings: Settings) -> Starlette:
    app = app_factory(settings)
    app.router.routes.append(Route("/api/boom", _boom))
    app.router.routes.append(Route("/boom", _boom))
    return app


def test_unexpected_error_is_a_generic_500(boom_app: Starlette) -> None:
    with TestClient(boom_app, raise_server_exceptions=False) as client:
        body = assert_error(client.get("/api/boom"), 500, "internal_error")
        assert "secret" not in body["message"]
        page = client.get("/boom")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "secret" not in page.text


def test_pages_get_the_html_error_page(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in response.text
