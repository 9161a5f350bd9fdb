"""A NUL character in a JSON body is refused, naming where it is, before anything is stored.

No person or scanner types one, and SQLite's own text functions stop at it
(``length``, the sqlite3 shell show such text cut short).  Movements in a
push are rejected one by one instead (tests/protocol/test_push_bad_values.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from orders.orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User

PASSWORD = "correct-horse-battery"  # as tests/conftest.py makes users


def _refused(res: object, message: str) -> None:
    assert res.status_code == 400, res.text  # type: ignore[attr-defined]
    assert res.json()["message"] == message  # type: ignore[attr-defined]


def _count(store: Store, table: str) -> int:
    return int(store.read(lambda c: c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]))


def test_a_device_named_with_a_nul_is_not_registered(
    client: TestClient, make_user: Callable[..., User], store: Store
) -> None:
    user = make_user("picker")
    before = _count(store, "devices")
    res = client.post(
        "/api/devices",
        json={"name": "scanner\u000007", "username": user.username, "password": PASSWORD},
    )
    _refused(res, "name: must not contain NUL characters")
    assert _count(store, "devices") == before


def test_an_order_with_a_nul_deep_inside_is_not_made(
    client: TestClient, logged_in: Callable[..., User], store: Store
) -> None:
    logged_in("supervisor")
    body = order("NUL-1", ("SKU-1", 1), ("SKU-2", 1))
    body["lines"][1]["item"] = "SKU-\u00002"
    body["ship_to"] = {**body["ship_to"], "line2": "Flat\u00002"}  # a copy: it is shared
    res = client.post("/api/orders", json=body)
    _refused(res, "the order is not valid: ship_to.line2: must not contain NUL characters")
    assert "lines[2].item: must not contain NUL characters" in res.json()["errors"]
    assert _count(store, "orders") == 0


def test_in_a_batch_only_the_order_with_a_nul_is_refused(
    client: TestClient, logged_in: Callable[..., User], warehouse: Store
) -> None:
    logged_in("supervisor")
    bad = order("NUL-3", ("SKU-1", 1))
    bad["customer"] = "Ada\u0000"
    res = client.post("/api/orders/batch", json={"orders": [bad, order("NUL-4", ("SKU-1", 1))]})
    assert res.status_code == 200, res.text
    first, second = res.json()["results"]
    assert (first["result"], first["message"]) == (
        "refused", "the order is not valid: customer: must not contain NUL characters")  # fmt: skip
    assert second["result"] == "created", second["message"]
    assert _count(warehouse, "orders") == 1


def test_a_nul_in_a_key_is_refused_too(client: TestClient, make_user: Callable[..., User]) -> None:
    user = make_user("picker")
    body = {"name": "scanner-08", "username": user.username, "password": PASSWORD, "x\u0000": 1}
    _refused(client.post("/api/devices", json=body), "a key must not contain NUL characters")


def test_a_body_that_only_spells_the_escape_is_not_refused(
    client: TestClient, make_user: Callable[..., User], store: Store
) -> None:
    """A name holding the six characters \\u0000 has no NUL in it."""
    user = make_user("picker")
    res = client.post(
        "/api/devices",
        json={"name": "scanner \\u0000", "username": user.username, "password": PASSWORD},
    )
    assert res.status_code == 200, res.text

    def name(conn: sqlite3.Connection) -> str:
        row = conn.execute("SELECT name FROM devices WHERE id = ?", (res.json()["device_id"],))
        return str(row.fetchone()[0])

    assert store.read(name) == "scanner \\u0000"


def test_a_nul_nested_nearly_as_deep_as_json_decodes_is_a_clear_400(
    client: TestClient, make_user: Callable[..., User]
) -> None:
    make_user("picker")
    deep = b'{"name": ' + b"[" * 997 + b'"\\u0000"' + b"]" * 997 + b"}"
    res = client.post("/api/devices", content=deep, headers={"Content-Type": "application/json"})
    assert res.status_code == 400, res.text
