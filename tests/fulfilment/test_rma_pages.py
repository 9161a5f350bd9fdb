"""Staff pages for the way back: an RMA from an order's shipped lines (capped,
clear errors, one RMA per form), its refund, and delivery by hand."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from fulfilmentflow import csrf_of, packed_order, ship
from starlette.testclient import TestClient

from server.users import User


@pytest.fixture
def shipped(client: TestClient, manager: User, scanner: Callable[[], SimDevice]) -> dict[str, Any]:
    order = packed_order(client, scanner(), "RP-1", ("SKU-1", 5), ("SKU-2", 2))
    ship(client, order["number"], "RP-TRACK-1")
    return order


def _ref(html: str) -> str:
    match = re.search(r'name="request_ref" value="([^"]+)"', html)
    assert match, "no form reference in the page"
    return match.group(1)


def test_an_rma_is_made_from_the_order_page_and_sending_it_twice_makes_one(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    number = shipped["number"]
    page = client.get(f"/orders/{number}")
    assert f'href="/orders/{number}/rma"' in page.text
    form = client.get(f"/orders/{number}/rma")
    assert form.status_code == 200
    assert 'max="5"' in form.text and 'max="2"' in form.text
    data = {"csrf": csrf_of(form.text), "request_ref": _ref(form.text), "reason": "too big",
            "qty_1": "2", "qty_2": "0"}  # fmt: skip
    res = client.post(f"/orders/{number}/rma", data=data, follow_redirects=False)
    assert res.status_code == 303
    rma = res.headers["location"].removeprefix("/rmas/")
    again = client.post(f"/orders/{number}/rma", data=data, follow_redirects=False)
    assert again.headers["location"] == f"/rmas/{rma}"  # the same RMA, not a second one
    made = client.get(f"/api/rmas/{rma}").json()
    assert [(line["line"], line["qty"]) for line in made["lines"]] == [(f"{number}/1", 2)]
    assert (made["reason"], made["status"], made["refund_status"]) == (
        "too big", "authorised", "none")  # fmt: skip
    page = client.get(f"/orders/{number}")
    assert f'href="/rmas/{rma}"' in page.text
    form = client.get(f"/orders/{number}/rma")
    assert 'max="3"' in form.text and "2 already returned or authorised" in form.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"qty_1": "6"}, "qty_1", "at most 5: 5 shipped, 0 already returned or authorised"),
        ({"qty_1": "two"}, "qty_1", "a whole number, 0 or more"),
        ({"qty_1": "1", "reason": ""}, "reason", "say why the customer returns it"),
        ({"qty_1": "0"}, "form", "enter how many come back of at least one line"),
    ],
)
def test_a_bad_rma_form_is_shown_again_with_the_problem_next_to_its_field(
    client: TestClient, shipped: dict[str, Any], fields: dict[str, str], field: str, message: str
) -> None:
    number = shipped["number"]
    form = client.get(f"/orders/{number}/rma")
    data = {"csrf": csrf_of(form.text), "request_ref": _ref(form.text), "reason": "x", **fields}
    res = client.post(f"/orders/{number}/rma", data=data)
    assert res.status_code == 400
    if field == "form":
        assert f'role="alert">{message}</p>' in res.text
    else:
        assert f'id="{field}-error">{message}</p>' in res.text
        assert 'aria-invalid="true"' in res.text
    assert client.get(f"/orders/{number}").text.count('href="/rmas/') == 0  # none made


def test_an_rma_needs_shipped_lines_a_manager_and_the_csrf_token(
    client: TestClient,
    shipped: dict[str, Any],
    scanner: Callable[[], SimDevice],
    make_user: Callable[..., User],
    login: Callable[..., None],
) -> None:
    packed = packed_order(client, scanner(), "RP-2", ("SKU-1", 1))
    assert "Make an RMA" not in client.get(f"/orders/{packed['number']}").text
    form = client.get(f"/orders/{packed['number']}/rma")
    assert "disabled" in form.text  # nothing shipped: nothing to authorise
    data = {"csrf": csrf_of(form.text), "request_ref": _ref(form.text), "reason": "x",
            "qty_1": "1"}  # fmt: skip
    res = client.post(f"/orders/{packed['number']}/rma", data=data)
    assert res.status_code == 400
    assert "at most 0: 0 shipped" in res.text
    forged = {"csrf": "forged", "reason": "x", "qty_1": "1"}
    assert client.post(f"/orders/{shipped['number']}/rma", data=forged).status_code == 403
    assert client.get("/orders/SO-999/rma").status_code == 404

    client.cookies.clear()
    login(make_user("picker").username)
    assert client.get(f"/orders/{shipped['number']}/rma").status_code == 403
    assert "Make an RMA" not in client.get(f"/orders/{shipped['number']}").text


def test_a_refund_is_recorded_on_the_rma_page_and_the_payment_follows(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    body = {"order": shipped["number"], "reason": "broken",
            "lines": [{"line": shipped["lines"][1]["line"], "qty": 1}]}  # fmt: skip
    rma = client.post("/api/rmas", json=body).json()["number"]
    page = client.get(f"/rmas/{rma}")
    assert 'action="/rmas/' in page.text and ">pending:" in page.text
    res = client.post(f"/rmas/{rma}/refund", data={"csrf": csrf_of(page.text),
                      "status": "pending"}, follow_redirects=False)  # fmt: skip
    assert res.status_code == 303
    assert client.get(f"/api/rmas/{rma}").json()["refund_status"] == "pending"
    page = client.get(f"/rmas/{rma}")
    res = client.post(f"/rmas/{rma}/refund", data={"csrf": csrf_of(page.text),
                      "status": "refunded"}, follow_redirects=False)  # fmt: skip
    assert res.status_code == 303
    assert client.get(f"/api/rmas/{rma}").json()["refund_status"] == "refunded"
    order = client.get(f"/api/orders/{shipped['number']}").json()
    assert order["payment_status"] == "refunded"
    assert order["history"][-1]["note"] == f"payment pending -> refunded ({rma})"
    page = client.get(f"/rmas/{rma}")
    assert "Record the refund" not in page.text  # refunded is final
    res = client.post(f"/rmas/{rma}/refund", data={"csrf": csrf_of(page.text),
                      "status": "pending"})  # fmt: skip
    assert res.status_code == 409
    assert f"{rma} is already refunded" in res.text
    assert client.get(f"/api/rmas/{rma}").json()["refund_status"] == "refunded"


def test_a_shipment_is_marked_delivered_by_hand_from_the_order_page(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    number = shipped["number"]
    page = client.get(f"/orders/{number}")
    shipment = re.search(r'action="/shipments/(SH-\d+)/delivered"', page.text)
    assert shipment, "no delivered form on a shipped order"
    res = client.post(f"/shipments/{shipment[1]}/delivered",
                      data={"csrf": csrf_of(page.text), "note": "signed by J. Doe"},
                      follow_redirects=False)  # fmt: skip
    assert res.status_code == 303 and res.headers["location"] == f"/orders/{number}"
    order = client.get(f"/api/orders/{number}").json()
    assert (order["status"], order["history"][-1]["from"]) == ("delivered", "shipped")
    events = client.get(f"/api/shipments/{shipment[1]}").json()["events"]
    assert (events[-1]["kind"], events[-1]["detail"]) == ("delivered", "signed by J. Doe")
    page = client.get(f"/orders/{number}")
    assert "/delivered" not in page.text  # nothing left to mark
    shown = re.search(r'class="sub delivered">([^<]*)<', page.text)
    assert shown and shown[1].endswith("signed by J. Doe")  # the note, where staff look
    res = client.post(f"/shipments/{shipment[1]}/delivered", data={"csrf": csrf_of(page.text)})
    assert res.status_code == 409
    assert f"{shipment[1]} is already delivered" in res.text


def test_an_rma_with_an_exchange_makes_the_replacement_order_once(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    number = shipped["number"]
    form = client.get(f"/orders/{number}/rma")
    data = {"csrf": csrf_of(form.text), "request_ref": _ref(form.text), "reason": "wrong size",
            "qty_1": "0", "qty_2": "1", "exchange": "yes"}  # fmt: skip
    res = client.post(f"/orders/{number}/rma", data=data, follow_redirects=False)
    assert res.status_code == 303
    rma = res.headers["location"].removeprefix("/rmas/")
    client.post(f"/orders/{number}/rma", data=data)  # sent again: nothing new
    made = client.get(f"/api/rmas/{rma}").json()
    replacement = client.get(f"/api/orders/{made['exchange_order']}").json()
    assert (replacement["channel"], replacement["external_ref"]) == ("exchange", rma)
    assert [(line["item"], line["qty"]) for line in replacement["lines"]] == [("SKU-2", 1)]
    assert f'href="/orders/{made["exchange_order"]}"' in client.get(f"/rmas/{rma}").text
    listed = client.get("/orders", params={"channel": "exchange"}).text
    assert listed.count('<a href="/orders/SO-') == 1  # one replacement, not two
