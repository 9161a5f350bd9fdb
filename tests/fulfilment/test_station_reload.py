"""The packing station and the returns desk under a reload, a restored tab, or a
number with a "/" in it.

Each successful form answers 303 back to its page (Post/Redirect/Get): a
reload then repeats only the GET, so no carton is opened, no unit packed and
no return received a second time.  The result is told once, on that GET.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from fulfilmentflow import csrf_of, on_hand, packed_order, picked_order, ship
from starlette.testclient import TestClient

from server.users import User


def _post(client: TestClient, path: str, **form: str) -> Any:
    """A form sent from the page at ``path``; the answer as the browser first gets it."""
    csrf = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf": csrf, **form}, follow_redirects=False)


def _status(html: str) -> str | None:
    found = re.search(r'role="status">([^<]*)<', html)
    return found.group(1) if found else None


def test_each_step_at_the_station_answers_303_and_a_reload_repeats_nothing(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice]
) -> None:
    number = picked_order(client, scanner(), "RL-1", ("SKU-1", 2))["number"]
    page = f"/pack/{number}"

    def packing() -> dict[str, Any]:
        return dict(client.get(f"/api/orders/{number}/packing").json())

    def step(told: str, **form: str) -> None:
        sent = _post(client, page, **form)
        assert sent.status_code == 303 and sent.headers["location"] == page
        before = packing()
        assert told in str(_status(client.get(page).text))  # told once, on the GET
        reload = client.get(page)
        assert reload.status_code == 200 and _status(reload.text) is None
        assert packing() == before

    step("opened at PACK-1", action="open")
    [carton] = [c["number"] for c in packing()["cartons"]]
    step(f"Packed 1 × SKU-1 into {carton}.", action="scan", carton=carton, item="SKU-1")
    assert [line["packed"] for line in packing()["lines"]] == [1]
    step(f"Packed 1 × SKU-1 into {carton}.", action="scan", carton=carton, item="SKU-1")
    step(f"Carton {carton} closed at 0.8 kg.", action="close", carton=carton, weight_kg="0,8")
    step("Customer tracking link (shown once): http://testserver/track/", action="ship",
         carrier="DHL", service="Express", tracking_number="RELOAD-1")  # fmt: skip
    state = packing()
    assert [c["number"] for c in state["cartons"]] == [carton]  # CTN-2 was never opened
    assert [(line["packed"], line["shipped"]) for line in state["lines"]] == [(2, 2)]
    assert len(state["shipments"]) == 1
    slip = client.get(f"/slips/{number}").text
    assert set(re.findall(r"CTN-\d+", slip)) == {carton}  # the customer sees one carton


@pytest.fixture
def rma(client: TestClient, manager: User, scanner: Callable[[], SimDevice]) -> str:
    """RMA for 1 of the 3 SKU-1 of a shipped order."""
    order = packed_order(client, scanner(), "RL-3", ("SKU-1", 3))
    ship(client, order["number"], "RELOAD-RMA-1")
    body = {"order": order["number"], "reason": "not needed",
            "lines": [{"line": order["lines"][0]["line"], "qty": 1}]}  # fmt: skip
    res = client.post("/api/rmas", json=body)
    assert res.status_code == 201, res.text
    return str(res.json()["number"])


def test_a_receipt_answers_303_and_a_reload_receives_nothing_again(
    client: TestClient, rma: str
) -> None:
    page = f"/returns/{rma}"
    sent = _post(client, page, item="SKU-1", qty="1", condition="new", disposition="restock",
                 bin="A-04")  # fmt: skip
    assert sent.status_code == 303 and sent.headers["location"] == page
    assert _status(client.get(page).text) == "Received 1 × SKU-1: restock."
    for _ in range(2):  # F5, then a phone restoring the tab
        reload = client.get(page)
        assert reload.status_code == 200 and _status(reload.text) is None
    assert on_hand(client, "SKU-1", "A-04") == 1
    shown = client.get(f"/api/rmas/{rma}").json()
    assert [line["received"] for line in shown["lines"]] == [1]
    assert [(r["qty"], r["disposition"]) for r in shown["receipts"]] == [(1, "restock")]


def test_a_refused_receipt_shows_the_form_as_sent(client: TestClient, rma: str) -> None:
    refused = _post(client, f"/returns/{rma}", item="SKU-1", qty="1x", condition="damaged",
                    disposition="scrap", bin="A-04")  # fmt: skip
    assert refused.status_code == 400 and "qty: a whole number" in refused.text
    assert "<option selected>damaged</option>" in refused.text
    assert "<option selected>scrap</option>" in refused.text
    assert 'name="qty" inputmode="numeric" value="1x"' in refused.text
    assert 'name="bin" autocapitalize="characters" spellcheck="false" value="A-04"' in refused.text
    assert client.get(f"/api/rmas/{rma}").json()["receipts"] == []


@pytest.mark.parametrize(
    ("path", "told"),
    [
        ("/pack?order=SO-13/1", "SO-13/1 is an order line: scan or type the order number (SO-13)"),
        ("/pack?order=/", "/ is not an order number: scan or type one, like SO-13"),
        ("/returns?rma=RMA-1/1", "RMA-1/1 is not an RMA number: scan or type the RMA number"),
    ],
)
def test_a_number_with_a_slash_gets_a_message_not_a_crash(
    client: TestClient, manager: User, path: str, told: str
) -> None:
    res = client.get(path)
    assert res.status_code == 400
    assert told in res.text
    typed = path.split("=", 1)[1]
    assert f'autofocus value="{typed}"' in res.text  # there to correct


@pytest.mark.parametrize("typed", ["١", "-3", "1x", "999999999999999999999999999999"])
def test_a_quantity_that_is_not_a_whole_number_packs_nothing(
    client: TestClient, manager: User, scanner: Callable[[], SimDevice], typed: str
) -> None:
    number = picked_order(client, scanner(), "RL-9", ("SKU-1", 2))["number"]
    page = f"/pack/{number}"
    assert _post(client, page, action="open").status_code == 303
    [carton] = [c["number"] for c in client.get(f"/api/orders/{number}/packing").json()["cartons"]]
    refused = _post(client, page, action="scan", carton=carton, item="SKU-1", qty=typed)
    assert refused.status_code == 400 and "qty: a whole number" in refused.text
    packing = client.get(f"/api/orders/{number}/packing").json()
    assert [line["packed"] for line in packing["lines"]] == [0]
