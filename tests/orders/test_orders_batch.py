"""Orders in bulk (``POST /api/orders/batch``) through the real app: one result per
order, idempotent like single orders, a bad order refused alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.order_batch import MAX_BATCH_ORDERS

# warehouse: 100 of SKU-1 and 50 of SKU-2 in A-01


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


def _reserved(store: Store) -> dict[str, int]:
    rows = store.read(lambda c: c.execute(
        "SELECT o.external_ref, coalesce(sum(r.qty), 0) FROM orders o"
        " JOIN order_lines ol ON ol.order_id = o.id"
        " LEFT JOIN reservations r ON r.order_line_id = ol.id AND r.released_at IS NULL"
        " GROUP BY o.id ORDER BY o.id").fetchall())  # fmt: skip
    return {ref: qty for ref, qty in rows}


def test_a_batch_makes_every_order_and_a_retry_of_it_makes_none(
    client: TestClient, manager: User, warehouse: Store
) -> None:
    batch = {"orders": [order("M-1", ("SKU-1", 60), ("SKU-2", 5)), order("M-2", ("SKU-1", 30)),
                        order("M-3", ("SKU-1", 20))]}  # fmt: skip
    res = client.post("/api/orders/batch", json=batch)
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["ok"], body["created"], body["existing"], body["refused"]) == (True, 3, 0, 0)
    results = body["results"]
    assert [(r["index"], r["result"], r["status"]) for r in results] == [
        (0, "created", 201), (1, "created", 201), (2, "created", 201)]  # fmt: skip
    made = [r["order"] for r in results]
    # allocated in the order sent: the third gets what the first two left
    assert [(o["external_ref"], o["status"]) for o in made] == [
        ("M-1", "allocated"), ("M-2", "allocated"), ("M-3", "backordered")]  # fmt: skip
    assert made[2]["lines"][0]["reserved"] == 10
    assert made[0]["lines"][1]["reservations"] == [{"location": "A-01", "lot": None, "qty": 5}]
    for o in made:  # what the batch answered is what the order says
        assert client.get(f"/api/orders/{o['number']}").json() == o
    assert _reserved(warehouse) == {"M-1": 65, "M-2": 30, "M-3": 10}

    again = client.post("/api/orders/batch", json=batch)  # a retried delivery
    assert again.status_code == 200, again.text
    body = again.json()
    assert (body["created"], body["existing"], body["refused"]) == (0, 3, 0)
    assert [r["status"] for r in body["results"]] == [200, 200, 200]
    assert [r["order"] for r in body["results"]] == made
    assert _reserved(warehouse) == {"M-1": 65, "M-2": 30, "M-3": 10}  # nothing twice

    # a single order with a reference the batch used answers that order
    single = client.post("/api/orders", json=order("M-2", ("SKU-1", 30)))
    assert (single.status_code, single.json()["number"]) == (200, made[1]["number"])


def test_a_mixed_batch_refuses_only_the_bad_orders(
    client: TestClient, manager: User, warehouse: Store
) -> None:
    client.post("/api/orders", json=order("OLD", ("SKU-1", 10)))
    batch: dict[str, Any] = {"orders": [
        order("G-1", ("SKU-1", 10)),
        order("G-2", ("SKU-1", 1), ("NO-SUCH", 2)),  # an unknown item
        order("OLD", ("SKU-1", 11)),  # a used reference, other content
        {**order("G-3", ("SKU-1", 1)), "priority": 0},  # invalid field
        "not an order",
        order("OLD", ("SKU-1", 10)),  # the same order again: existing
        order("G-4", ("SKU-2", 50)),
        order("G-4", ("SKU-2", 50)),  # sent twice in one batch: made once
        order("G-4", ("SKU-2", 49)),  # and its reference is now taken
    ]}  # fmt: skip
    res = client.post("/api/orders/batch", json=batch)
    assert res.status_code == 200, res.text
    body = res.json()
    assert (body["created"], body["existing"], body["refused"]) == (2, 2, 5)
    results = body["results"]
    assert [(r["result"], r["status"]) for r in results] == [
        ("created", 201), ("refused", 400), ("refused", 409), ("refused", 400),
        ("refused", 400), ("existing", 200), ("created", 201), ("existing", 200),
        ("refused", 409)]  # fmt: skip
    unknown, reused, invalid, garbage = results[1], results[2], results[3], results[4]
    # each refusal in the API's one error shape, with its reasons
    assert set(unknown) == {"index", "result", "ok", "error", "message", "errors", "status"}
    assert (unknown["ok"], unknown["error"]) == (False, "invalid_request")
    assert unknown["errors"] == ["lines[2].item: no item has SKU or barcode NO-SUCH"]
    assert (reused["error"], "already exists" in reused["message"]) == ("conflict", True)
    assert invalid["errors"] == ["priority: 1 (most urgent) to 9"]
    assert "malformed order" in garbage["message"]
    assert results[7]["order"] == results[6]["order"]
    assert "earlier in this batch" in results[8]["message"]
    # all or nothing per order: nothing of a refused order was written
    assert _reserved(warehouse) == {"OLD": 10, "G-1": 10, "G-4": 50}


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"not json", 400, "not valid JSON"),
        (b"[]", 400, "malformed batch"),
        (b'{"orders": {}}', 400, "malformed batch"),
        (b'{"orders": []}', 400, "1 or more orders"),
        (b'{"orders": [], "extra": 1}', 400, "unknown field"),
        (
            b'{"orders": [' + b",".join([b"{}"] * (MAX_BATCH_ORDERS + 1)) + b"]}",
            413,
            f"at most {MAX_BATCH_ORDERS}",
        ),
    ],
)
def test_a_body_that_is_not_a_batch_is_one_clear_error(
    client: TestClient, manager: User, warehouse: Store, body: bytes, status: int, message: str
) -> None:
    res = client.post(
        "/api/orders/batch", content=body, headers={"Content-Type": "application/json"}
    )
    assert res.status_code == status
    answer = res.json()
    assert set(answer) == {"ok", "error", "message", "errors", "status"}
    assert (answer["ok"], answer["status"]) == (False, status)
    assert message.lower() in answer["message"].lower()
    assert _reserved(warehouse) == {}  # nothing was made


def test_pickers_cannot_send_batches(
    client: TestClient, warehouse: Store, logged_in: Callable[..., User]
) -> None:
    logged_in("picker")
    batch = {"orders": [order("P", ("SKU-1", 1))]}
    assert client.post("/api/orders/batch", json=batch).status_code == 403
    assert _reserved(warehouse) == {}


def test_a_big_batch_is_allocated_in_order_across_its_transactions(
    client: TestClient, manager: User, warehouse: Store
) -> None:
    # 300 orders of 1 unit: more than one write transaction (CHUNK), 100 in stock
    batch = {"orders": [order(f"N-{n}", ("SKU-1", 1)) for n in range(300)]}
    body = client.post("/api/orders/batch", json=batch).json()
    assert body["created"] == 300
    statuses = [r["order"]["status"] for r in body["results"]]
    assert statuses == ["allocated"] * 100 + ["backordered"] * 200
    assert sum(_reserved(warehouse).values()) == 100  # never more than there is
