"""Staff pages: the order list and detail, and the phone / in-store order form."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from orders.orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_REF = re.compile(r'name="external_ref" value="([^"]+)"')


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


def form(client: TestClient, **fields: str) -> dict[str, str]:
    page = client.get("/orders/new")
    assert page.status_code == 200
    csrf, ref = _CSRF.search(page.text), _REF.search(page.text)
    assert csrf and ref
    values = {"csrf": csrf[1], "external_ref": ref[1], "channel": "phone", "customer": "Ada",
              "ship_name": "Ada", "ship_line1": "1 Dock Road", "ship_city": "Leeds",
              "ship_postcode": "LS1 1AA", "ship_country": "GB", "ship_phone": "0113 496 0000",
              "item_1": "5901234123457", "qty_1": "3", "priority": "3",
              "payment_status": "authorized"}  # fmt: skip
    values.update(fields)
    return values


def error_for(html: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', html)
    assert found, f"no error shown next to {field}"
    return found[1]


def test_a_phone_order_is_created_allocated_and_shown(client: TestClient, manager: User) -> None:
    res = client.post("/orders/new", data=form(client, item_2="SKU-2", qty_2="4"),
                      follow_redirects=False)  # fmt: skip
    assert res.status_code == 303
    number = res.headers["location"].removeprefix("/orders/")
    made = client.get(f"/api/orders/{number}").json()
    assert (made["channel"], made["status"], made["payment_status"]) == ("phone", "allocated",
                                                                         "authorized")  # fmt: skip
    assert [(ln["item"], ln["qty"], ln["reserved"]) for ln in made["lines"]] == [
        ("SKU-1", 3, 3), ("SKU-2", 4, 4)]  # fmt: skip
    assert made["ship_to"]["phone"] == "0113 496 0000"
    page = client.get(res.headers["location"])
    assert page.status_code == 200
    assert '<dd id="status">allocated</dd>' in page.text
    assert '<dd id="payment">authorized</dd>' in page.text
    assert "A-01: 3" in page.text  # the reservation
    assert "new → allocated" in page.text.replace("&rarr;", "→")  # the history


def test_sending_the_same_form_twice_makes_one_order(client: TestClient, manager: User) -> None:
    values = form(client)
    first = client.post("/orders/new", data=values, follow_redirects=False)
    again = client.post("/orders/new", data=values, follow_redirects=False)
    assert first.headers["location"] == again.headers["location"]


def test_problems_are_shown_next_to_their_fields_and_nothing_is_made(
    client: TestClient, manager: User, store: Store
) -> None:
    values = form(client, ship_city="", ship_line1="", item_2="NO-SUCH", qty_2="1",
                  item_3="SKU-2", qty_3="x", priority="12")  # fmt: skip
    res = client.post("/orders/new", data=values)
    assert res.status_code == 400
    assert error_for(res.text, "ship_city") == "required"
    assert error_for(res.text, "ship_line1") == "required"
    assert "Please correct the fields marked below." in res.text  # nothing left unplaced
    assert error_for(res.text, "qty_3") == "a whole number, 1 or more"
    assert error_for(res.text, "priority") == "1 (most urgent) to 9"
    assert 'value="NO-SUCH"' in res.text  # what was typed is kept
    # the unknown item is found once the other fields are right
    res = client.post("/orders/new", data={**values, "ship_city": "Leeds", "qty_3": "1",
                                           "priority": "3", "ship_line1": "1 Road"})  # fmt: skip
    assert res.status_code == 400
    assert error_for(res.text, "item_2") == "no item has SKU or barcode NO-SUCH"
    assert store.read(lambda c: c.execute("SELECT count(*) FROM orders").fetchone()[0]) == 0


def test_the_form_needs_its_csrf_token_and_a_manager(
    client: TestClient, manager: User, logged_in: Callable[..., User]
) -> None:
    values = form(client)
    res = client.post("/orders/new", data={**values, "csrf": "forged"})
    assert res.status_code == 403
    client.cookies.clear()
    logged_in("picker")
    assert client.get("/orders/new").status_code == 403


def _make(client: TestClient, ref: str, priority: int, channel: str = "shop") -> Any:
    body = {**order(ref, ("SKU-1", 1), channel=channel), "priority": priority}
    return client.post("/api/orders", json=body).json()["number"]


def test_the_list_filters_by_status_and_channel_and_sorts(
    client: TestClient, manager: User
) -> None:
    low, urgent = _make(client, "L-1", 9), _make(client, "L-2", 1)
    other = _make(client, "L-3", 5, "phone")
    client.post(f"/api/orders/{low}/cancel", json={"reason": "test"})

    def numbers(**query: str) -> list[str]:
        page = client.get("/orders", params=query)
        assert page.status_code == 200
        return re.findall(r'<a href="/orders/(SO-\d+)">', page.text)

    assert numbers() == [urgent, other, low]  # most urgent first
    assert numbers(sort="newest") == [other, urgent, low]
    assert numbers(status="cancelled") == [low]
    assert numbers(status="open") == [urgent, other]
    assert numbers(channel="phone") == [other]
    bad = client.get("/orders", params={"status": "lost"})
    assert bad.status_code == 400 and "status: one of open" in bad.text


def test_any_role_reads_the_pages_and_an_unknown_order_is_404(
    client: TestClient, manager: User, logged_in: Callable[..., User]
) -> None:
    number = _make(client, "R-1", 5)
    client.cookies.clear()
    logged_in("picker")
    assert number in client.get("/orders").text
    assert client.get(f"/orders/{number}").status_code == 200
    assert "New phone or store order" not in client.get("/orders").text
    missing = client.get("/orders/SO-999")
    assert missing.status_code == 404 and "no order SO-999" in missing.text


def test_a_manager_cancels_from_the_order_page(client: TestClient, manager: User) -> None:
    number = _make(client, "X-1", 5)
    page = client.get(f"/orders/{number}").text
    csrf = _CSRF.search(page)
    assert csrf and "Cancel this order" in page
    empty = client.post(f"/orders/{number}/cancel", data={"csrf": csrf[1], "reason": " "})
    assert empty.status_code == 400
    assert error_for(empty.text, "reason") == "reason: say why the order is cancelled"
    done = client.post(f"/orders/{number}/cancel", data={"csrf": csrf[1], "reason": "called"},
                       follow_redirects=False)  # fmt: skip
    assert (done.status_code, done.headers["location"]) == (303, f"/orders/{number}")
    after = client.get(f"/orders/{number}").text
    assert '<dd id="status">cancelled</dd>' in after and "Cancel this order" not in after
    assert client.get(f"/api/orders/{number}").json()["lines"][0]["reserved"] == 0


def test_a_nul_or_a_file_in_a_page_form_is_refused_and_nothing_is_done(
    client: TestClient, manager: User, warehouse: Store
) -> None:
    number = _make(client, "X-NUL", 5)
    csrf = _CSRF.search(client.get(f"/orders/{number}").text)
    assert csrf
    nul = client.post(f"/orders/{number}/cancel", data={"csrf": csrf[1], "reason": "called\x00"})
    assert nul.status_code == 400, nul.text
    assert "reason: must not contain NUL characters" in nul.text
    sent = client.post(f"/orders/{number}/cancel", data={"csrf": csrf[1]},
                       files={"reason": ("why.txt", b"called", "text/plain")})  # fmt: skip
    assert sent.status_code == 400, sent.text
    assert "reason: expected text, not a file" in sent.text
    assert client.get(f"/api/orders/{number}").json()["status"] != "cancelled"

    made = client.post("/orders/new", data=form(client, customer="Ada\x00 Lovelace"))
    assert made.status_code == 400, made.text
    assert "customer: must not contain NUL characters" in made.text
    phone = warehouse.read(
        lambda c: c.execute("SELECT count(*) FROM orders WHERE channel = 'phone'").fetchone()[0]
    )
    assert phone == 0
