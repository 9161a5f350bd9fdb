"""``GET /labels`` through the app: who may print, what each sheet holds, bad queries."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.catalog import add_item
from sync.local import post_local


@pytest.fixture
def supervisor(warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


def _contents(html: str) -> list[str]:
    return re.findall(r'<article class="label label-\w+" data-content="([^"]*)"', html)


def test_the_form_without_a_kind(client: TestClient, supervisor: User) -> None:
    page = client.get("/labels")
    assert page.status_code == 200
    assert '<select id="kind" name="kind">' in page.text and "<article" not in page.text


def test_bin_labels_in_walk_order(client: TestClient, supervisor: User) -> None:
    page = client.get("/labels", params={"kind": "bin"})
    assert _contents(page.text) == [
        "LOC-A-01", "LOC-A-02", "LOC-A-03", "LOC-A-04", "LOC-A-05",
        "LOC-DOCK", "PACK-1", "RET-1", "TOTE-1",
    ]  # fmt: skip
    assert page.text.count("<svg viewBox=") == 9
    assert '<div class="sheet layout-a4-3x8">' in page.text
    assert page.text.count('<section class="page">') == 1


def test_item_labels_skip_items_without_an_ean_13(
    client: TestClient, warehouse: Store, supervisor: User
) -> None:
    warehouse.transact(lambda c: add_item(c, "SKU-3", "Nut", barcodes=[("036000291452", 1)]))
    page = client.get("/labels", params={"kind": "item", "size": "2x1"})
    # SKU-1's case code is not a unit code; SKU-3's UPC-A prints as EAN-13; SKU-LOT has none
    assert _contents(page.text) == ["5901234123457", "4006381333931", "0036000291452"]
    assert "1 left out" in page.text
    assert '<div class="sheet layout-2x1">' in page.text
    assert page.text.count('<section class="page">') == 3  # one label a page
    assert _contents(client.get("/labels?kind=item&sku=SKU-2").text) == ["4006381333931"]


def test_lot_labels(client: TestClient, warehouse: Store, supervisor: User) -> None:
    warehouse.transact(
        lambda c: add_item(c, "SKU-LOT", "Epoxy glue", tracking="lot", expiry_tracked=True,
                           barcodes=[("4006381333948", 1)])
    )  # fmt: skip
    warehouse.write(
        post_local,
        [{"kind": "receive", "item": "SKU-LOT", "to": "A-02", "qty": 5, "lot": lot,
          "expiry": expiry} for lot, expiry in (("L1", "2027-12-31"), ("L(2)", "2028-01-31"))],
        user="setup",
    )  # fmt: skip
    page = client.get("/labels", params={"kind": "lot", "size": "4x6"})
    assert _contents(page.text) == ["(01)04006381333948(17)271231(10)L1"]
    assert "1 left out" in page.text  # "L(2)" cannot be written in GS1's bracketed form


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("kind=shelf", "kind: &#39;shelf&#39; is not one of bin, item, lot"),
        ("kind=bin&size=a5", "size: &#39;a5&#39; is not one of"),
        ("kind=bin&zone=Z", "zone: no locations in zone &#39;Z&#39;"),
        ("kind=bin&limit=0", "limit: expected 1 to 1000"),
        ("kind=bin&limit=ten", "limit: expected a whole number"),
    ],
)
def test_bad_queries_get_a_clear_page(
    client: TestClient, supervisor: User, query: str, message: str
) -> None:
    page = client.get(f"/labels?{query}")
    assert page.status_code == 400
    assert message in page.text


def test_pickers_and_counters_may_not(client: TestClient, logged_in: Callable[..., User]) -> None:
    logged_in("picker")
    assert client.get("/labels?kind=bin").status_code == 403
    assert "Print labels" not in client.get("/").text


def test_supervisors_see_the_link(client: TestClient, supervisor: User) -> None:
    assert 'href="/labels"' in client.get("/").text
