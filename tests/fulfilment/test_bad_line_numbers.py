"""Return authorisations and the returns desk with line numbers and quantities no
one could mean ("²", 23 digits): refused clearly, nothing made."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from fulfilmentflow import csrf_of, packed_order, ship
from starlette.testclient import TestClient

from server.database import Store
from server.users import User

HUGE = "99999999999999999999999"


@pytest.fixture
def shipped(client: TestClient, manager: User, scanner: Callable[[], SimDevice]) -> dict[str, Any]:
    order = packed_order(client, scanner(), "BN-1", ("SKU-1", 5))
    ship(client, order["number"], "BN-TRACK-1")
    return order


def _rma_count(store: Store) -> int:
    return int(store.read(lambda c: c.execute("SELECT count(*) FROM rmas").fetchone()[0]))


@pytest.mark.parametrize("line_no", ["²", HUGE, "١"])
def test_an_rma_line_that_is_no_number_is_not_a_line_of_the_order(
    client: TestClient, shipped: dict[str, Any], store: Store, line_no: str
) -> None:
    number = shipped["number"]
    line = f"{number}/{line_no}"
    body = {"order": number, "reason": "too big", "lines": [{"line": line, "qty": 1}]}
    res = client.post("/api/rmas", json=body)
    assert res.status_code == 400, res.text
    problem = f"lines[1].line: {line} is not a line of {number}"
    assert res.json()["message"] == f"the RMA is not valid: {problem}"
    assert res.json()["errors"] == [problem]
    assert _rma_count(store) == 0


def test_an_rma_form_quantity_that_is_no_number_is_shown_next_to_it(
    client: TestClient, shipped: dict[str, Any], store: Store
) -> None:
    url = f"/orders/{shipped['number']}/rma"
    page = client.get(url).text
    ref = re.search(r'name="request_ref" value="([^"]+)"', page)
    assert ref
    data = {"csrf": csrf_of(page), "request_ref": ref[1], "reason": "x", "qty_1": "²"}
    res = client.post(url, data=data)
    assert res.status_code == 400
    assert 'id="qty_1-error">a whole number, 0 or more</p>' in res.text
    assert _rma_count(store) == 0


def test_a_returns_desk_quantity_that_is_no_number_is_refused(
    client: TestClient, shipped: dict[str, Any], store: Store
) -> None:
    body = {"order": shipped["number"], "reason": "r",
            "lines": [{"line": f"{shipped['number']}/1", "qty": 2}]}  # fmt: skip
    rma = client.post("/api/rmas", json=body).json()["number"]
    page = client.get(f"/returns/{rma}").text
    form = {"csrf": csrf_of(page), "item": "SKU-1", "qty": "²", "condition": "opened",
            "disposition": "restock", "bin": "A-04"}  # fmt: skip
    res = client.post(f"/returns/{rma}", data=form)
    assert res.status_code == 400
    assert "qty: a whole number" in res.text
    received = client.get(f"/api/rmas/{rma}").json()["lines"][0]["received"]
    assert received == 0
