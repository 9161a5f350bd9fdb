"""Returns: RMAs against shipped lines, graded receipts, dispositions, refunds, exchanges."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from typing import Any

import numpy
import pytest
import zxingcpp
from devicesim import SimDevice
from fulfilmentflow import csrf_of, on_hand, packed_order, ship
from PIL import Image
from starlette.testclient import TestClient

from server.users import User


@pytest.fixture
def shipped(client: TestClient, manager: User, scanner: Callable[[], SimDevice]) -> dict[str, Any]:
    order = packed_order(client, scanner(), "R-1", ("SKU-1", 5), ("SKU-2", 2))
    ship(client, order["number"], "RET-TRACK-1")
    return order


def _rma(client: TestClient, order: dict[str, Any], *lines: tuple[int, int]) -> Any:
    body = {
        "order": order["number"],
        "reason": "too many",
        "lines": [{"line": order["lines"][i]["line"], "qty": q} for i, q in lines],
    }
    return client.post("/api/rmas", json=body)


def _receive(client: TestClient, rma: str | None, **line: Any) -> Any:
    return client.post("/api/returns", json={"rma": rma, "lines": [line]})


def test_an_rma_never_authorises_more_than_shipped_minus_already_authorised(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    first = _rma(client, shipped, (0, 3))
    assert first.status_code == 201
    assert first.json()["number"].startswith("RMA-")
    assert first.json()["status"] == "authorised"
    res = _rma(client, shipped, (0, 3))
    assert res.status_code == 400
    assert res.json()["message"] == (
        f"the RMA is not valid: {shipped['number']}/1: 5 shipped, 3 already returned or"
        " authorised; at most 2 can be authorised, not 3"
    )
    assert _rma(client, shipped, (0, 2)).status_code == 201
    bad_line = client.post(
        "/api/rmas",
        json={"order": shipped["number"], "reason": "x", "lines": [{"line": "SO-999/1", "qty": 1}]},
    )
    assert bad_line.status_code == 400 and "is not a line of" in bad_line.json()["message"]
    assert (
        client.post(
            "/api/rmas",
            json={"order": "SO-404", "reason": "x", "lines": [{"line": "SO-404/1", "qty": 1}]},
        ).status_code
        == 404
    )


def test_unshipped_lines_cannot_be_authorised(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    order = packed_order(client, scanner(), "R-2", ("SKU-1", 1))
    res = _rma(client, order, (0, 1))
    assert res.status_code == 400 and "0 shipped" in res.json()["message"]


def test_restock_quarantine_and_scrap_each_post_their_movements(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    rma = _rma(client, shipped, (0, 3), (1, 2)).json()["number"]
    before_a02 = on_hand(client, "SKU-1", "A-02")
    res = _receive(
        client, rma, item="5901234123457", qty=1, condition="new", disposition="restock", bin="A-02"
    )
    assert res.status_code == 201, res.text
    assert res.json()["receipts"][0]["outcome"] == "applied"
    assert on_hand(client, "SKU-1", "A-02") == before_a02 + 1
    assert on_hand(client, "SKU-1", "RET-1") == 0  # through returns, then put away
    _receive(client, rma, item="SKU-1", qty=1, condition="damaged", disposition="quarantine")
    assert on_hand(client, "SKU-1", "QUAR-1") == 1
    _receive(client, rma, item="SKU-1", qty=1, condition="defective", disposition="scrap")
    _receive(
        client, rma, item="SKU-2", qty=2, condition="opened", disposition="restock", bin="A-03"
    )
    assert on_hand(client, "SKU-2", "A-03") == 2
    got = client.get(f"/api/rmas/{rma}").json()
    assert got["status"] == "received"
    assert [
        (r["item"], r["condition"], r["disposition"], r["location"]) for r in got["receipts"]
    ] == [
        ("SKU-1", "new", "restock", "A-02"),
        ("SKU-1", "damaged", "quarantine", "QUAR-1"),
        ("SKU-1", "defective", "scrap", "RET-1"),
        ("SKU-2", "opened", "restock", "A-03"),
    ]
    assert [line["received"] for line in got["lines"]] == [3, 2]


def test_returns_beyond_the_rma_or_without_one_post_flagged_return_unexpected(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    rma = _rma(client, shipped, (0, 1)).json()["number"]
    over = _receive(
        client, rma, item="SKU-1", qty=2, condition="new", disposition="restock", bin="A-02"
    ).json()["receipts"][0]
    assert over["outcome"] == "flagged"
    assert over["conflicts"][0]["code"] == "RETURN_UNEXPECTED"
    assert over["message"] == f"{rma}: 2 SKU-1 returned of 1 authorised"
    other = _receive(
        client, rma, item="SKU-2", qty=1, condition="new", disposition="quarantine"
    ).json()["receipts"][0]
    assert other["message"] == f"SKU-2 is not on {rma}: 1 returned"
    none = _receive(client, None, item="SKU-2", qty=1, condition="opened", disposition="scrap")
    assert none.status_code == 201
    assert none.json()["receipts"][0]["message"] == "a return of 1 SKU-2 that is on no RMA"
    # authorisation counts what was received beyond it: nothing is left to authorise twice
    res = _rma(client, shipped, (0, 4))
    assert "2 already returned or authorised; at most 3" in res.json()["message"]


def test_a_device_return_naming_the_rma_is_counted_and_flagged_beyond_it(
    client: TestClient, shipped: dict[str, Any], scanner: Callable[[], SimDevice]
) -> None:
    rma = _rma(client, shipped, (0, 2)).json()["number"]
    sim = scanner()
    ref = {"order_line": None, "task": None, "rma": rma, "count_task": None}
    sim.record("return", "SKU-1", 2, to="RET-1", ref=ref, condition="opened")
    sim.record("return", "SKU-1", 1, to="RET-1", ref=ref, condition="opened")
    sim.record("return", "SKU-1", 1, to="RET-1", ref={**ref, "rma": "RMA-404"})
    first, second, third = sim.push()["results"]
    assert first["outcome"] == "applied"
    assert (second["outcome"], second["conflicts"][0]["code"]) == ("flagged", "RETURN_UNEXPECTED")
    assert second["message"] == f"{rma}: 3 SKU-1 returned of 2 authorised"
    assert third["message"] == "no RMA RMA-404: 1 SKU-1 returned"
    assert client.get(f"/api/rmas/{rma}").json()["lines"][0]["received"] == 3
    assert on_hand(client, "SKU-1", "RET-1") == 4


def test_bad_receipts_are_refused_and_nothing_posts(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    rma = _rma(client, shipped, (0, 2)).json()["number"]
    cases = [
        (
            {
                "item": "SKU-1",
                "qty": 1,
                "condition": "mint",
                "disposition": "restock",
                "bin": "A-02",
            },
            "condition: one of new, opened, damaged, defective",
        ),
        ({"item": "SKU-1", "qty": 1, "condition": "new", "disposition": "sell"}, "disposition"),
        (
            {"item": "SKU-1", "qty": 1, "condition": "new", "disposition": "restock"},
            "lines[1].bin: required, a pick or reserve location",
        ),
        (
            {"item": " ", "qty": 1, "condition": "new", "disposition": "scrap"},
            "lines[1].item: required, the SKU or a barcode of the item",
        ),
        (
            {
                "item": "SKU-1",
                "qty": 1,
                "condition": "new",
                "disposition": "restock",
                "bin": "RET-1",
            },
            "is not a pick or reserve location",
        ),
        (
            {"item": "SKU-LOT", "qty": 1, "condition": "new", "disposition": "scrap"},
            "lot: required for SKU-LOT",
        ),
    ]
    for line, said in cases:
        res = client.post("/api/returns", json={"rma": rma, "lines": [line]})
        assert res.status_code == 400, line
        assert said in res.json()["message"], res.json()["message"]
    assert on_hand(client, "SKU-1", "RET-1") == 0
    assert client.get(f"/api/rmas/{rma}").json()["receipts"] == []
    assert (
        _receive(
            client, "RMA-404", item="SKU-1", qty=1, condition="new", disposition="scrap"
        ).status_code
        == 404
    )


def test_a_refund_makes_the_order_refunded(client: TestClient, shipped: dict[str, Any]) -> None:
    rma = _rma(client, shipped, (0, 1)).json()["number"]
    assert (
        client.post(f"/api/rmas/{rma}/refund", json={"status": "pending"}).json()["refund_status"]
        == "pending"
    )
    assert client.get(f"/api/orders/{shipped['number']}").json()["payment_status"] == "pending"
    done = client.post(f"/api/rmas/{rma}/refund", json={"status": "refunded"})
    assert done.json()["refund_status"] == "refunded"
    order = client.get(f"/api/orders/{shipped['number']}").json()
    assert order["payment_status"] == "refunded"
    assert order["history"][-1]["note"] == f"payment pending -> refunded ({rma})"
    back = client.post(f"/api/rmas/{rma}/refund", json={"status": "pending"})
    assert back.status_code == 409
    assert client.post(f"/api/rmas/{rma}/refund", json={"status": "maybe"}).status_code == 400


def _payment_rows(client: TestClient, number: str) -> list[str]:
    page = client.get(f"/orders/{number}")
    assert page.status_code == 200, page.text
    table = page.text.split('<table id="payments">', 1)[1].split("</table>", 1)[0]
    return [" ".join(row.split()) for row in re.findall(r"<tr><td.*?</tr>", table, re.S)]


def test_a_refund_is_in_the_orders_payment_history(
    client: TestClient, shipped: dict[str, Any], manager: User
) -> None:
    first = _rma(client, shipped, (0, 1)).json()["number"]
    second = _rma(client, shipped, (1, 1)).json()["number"]
    assert client.post(f"/api/rmas/{first}/refund", json={"status": "refunded"}).is_success
    assert client.post(f"/api/rmas/{first}/refund", json={"status": "refunded"}).is_success
    assert client.post(f"/api/rmas/{second}/refund", json={"status": "refunded"}).is_success
    rows = _payment_rows(client, shipped["number"])
    assert len(rows) == 2  # the repeated refund of the first RMA recorded once
    assert f"shelfsync:refund:{first}" in rows[0]
    assert f"pending → refunded: {first} refunded by {manager.username}" in rows[0]
    assert f"already refunded; {second} refunded by {manager.username}" in rows[1]


def test_an_exchange_makes_one_replacement_order_linked_to_the_rma(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    body = {
        "order": shipped["number"],
        "reason": "wrong size",
        "exchange": True,
        "lines": [{"line": shipped["lines"][1]["line"], "qty": 1}],
    }
    rma = client.post("/api/rmas", json=body).json()
    replacement = rma["exchange_order"]
    assert replacement is not None and replacement != shipped["number"]
    made = client.get(f"/api/orders/{replacement}").json()
    assert (made["channel"], made["external_ref"], made["status"]) == (
        "exchange",
        rma["number"],
        "allocated",
    )
    assert [(line["item"], line["qty"]) for line in made["lines"]] == [("SKU-2", 1)]
    assert made["ship_to"]["postcode"] == "LS1 1AA"
    again = client.post(f"/api/rmas/{rma['number']}/exchange", json={}).json()
    assert again["exchange_order"] == replacement


def test_the_returns_desk_receives_a_line(client: TestClient, shipped: dict[str, Any]) -> None:
    rma = _rma(client, shipped, (0, 2)).json()["number"]
    assert f"{rma}</a> · {shipped['number']} · 0 of 2 received" in client.get("/returns").text
    assert client.get(f"/returns?rma={rma}", follow_redirects=False).status_code == 303
    page = client.get(f"/returns/{rma}")
    form = {
        "csrf": csrf_of(page.text),
        "item": "SKU-1",
        "qty": "2",
        "condition": "opened",
        "disposition": "restock",
        "bin": "A-04",
    }
    done = client.post(f"/returns/{rma}", data=form)
    assert done.status_code == 200 and "Received 2 × SKU-1: restock." in done.text
    assert on_hand(client, "SKU-1", "A-04") == 2
    assert rma not in client.get("/returns").text  # all received: no longer waiting
    refused = client.post(f"/returns/{rma}", data={**form, "condition": "shiny"})
    assert refused.status_code == 400 and "condition: one of" in refused.text


def _scan(client: TestClient, text: str) -> dict[str, Any]:
    """A photo of ``text`` as a Code 128 label, through POST /api/scan; its one resolution."""
    image = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128).to_image(scale=4)
    png = io.BytesIO()
    Image.fromarray(numpy.asarray(image)).save(png, format="PNG")
    res = client.post("/api/scan", json={"photo": base64.b64encode(png.getvalue()).decode()})
    assert res.status_code == 200, res.text
    [code] = res.json()["codes"]
    return dict(code["resolution"])


def test_a_scanned_rma_label_resolves_to_the_rma(
    client: TestClient, shipped: dict[str, Any]
) -> None:
    rma = _rma(client, shipped, (0, 2)).json()["number"]
    found = _scan(client, rma)
    assert found["kind"] == "rma"
    assert found["rma"] == {"number": rma, "order": shipped["number"], "status": "authorised",
                            "refund_status": "none"}  # fmt: skip
    assert _scan(client, "RMA-999")["message"] == "no RMA RMA-999"
