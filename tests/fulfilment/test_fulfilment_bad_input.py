"""Bad input to the pack, ship and returns API gets a clear 4xx in the one error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from devicesim import SimDevice
from fulfilmentflow import csrf_of, packed_order, picked_order, ship
from starlette.testclient import TestClient

from server.users import User

BODIES: list[Any] = [[], "text", 7, None, {"qty": "two"}, {"item": 5, "qty": True},
                     {"lines": "all"}, {"lines": [1, "x", None]}, {"lines": [{"qty": -1}]},
                     {"weight_kg": [1]}, {"cartons": "CT-1"}, {"status": {"x": 1}},
                     {"order": 7, "reason": None}, {"rma": 3}, {"location": []},
                     {"station": 5}]  # fmt: skip


@pytest.fixture
def numbers(client: TestClient, manager: User, scanner: Callable[[], SimDevice]) -> dict[str, str]:
    sim = scanner()
    shipped = packed_order(client, sim, "B-1", ("SKU-1", 2))
    shipment = ship(client, shipped["number"], "BAD-INPUT-1")
    rma = client.post(
        "/api/rmas",
        json={
            "order": shipped["number"],
            "reason": "r",
            "lines": [{"line": f"{shipped['number']}/1", "qty": 1}],
        },
    )
    picked = picked_order(client, sim, "B-2", ("SKU-2", 1), tote="TOTE-2")
    carton = client.post(f"/api/orders/{picked['number']}/cartons", json={}).json()["number"]
    return {"order": picked["number"], "carton": carton, "shipment": shipment["number"],
            "rma": rma.json()["number"]}  # fmt: skip


PATHS = ["/api/orders/{order}/cartons", "/api/cartons/{carton}/items",
         "/api/cartons/{carton}/close", "/api/orders/{order}/shipments",
         "/api/shipments/{shipment}/delivered", "/api/rmas", "/api/rmas/{rma}/refund",
         "/api/returns"]  # fmt: skip


@pytest.mark.parametrize("path", PATHS)
def test_malformed_bodies_are_refused_clearly(
    client: TestClient, numbers: dict[str, str], path: str
) -> None:
    for body in BODIES:
        res = client.post(path.format(**numbers), json=body)
        assert 400 <= res.status_code < 500 or res.status_code in (200, 201), (path, body)
        if res.status_code >= 400:
            err = res.json()
            assert err["ok"] is False and err["message"], (path, body, err)
    # not JSON at all
    res = client.post(
        path.format(**numbers), content=b"{", headers={"Content-Type": "application/json"}
    )
    assert res.status_code == 400 and res.json()["error"] == "invalid_request"


@pytest.mark.parametrize("path", ["/pack/{order}", "/returns/{rma}"])
def test_page_forms_with_nonsense_show_the_error_not_a_crash(
    client: TestClient, numbers: dict[str, str], path: str
) -> None:
    url = path.format(**numbers)
    csrf = csrf_of(client.get(url).text)
    for form in ({"action": "scan", "carton": numbers["carton"], "item": "SKU-2", "qty": "lots"},
                 {"action": "close", "carton": numbers["carton"], "weight_kg": "heavy"},
                 {"action": "teleport"}, {"item": "", "qty": "x", "condition": "new"},
                 {"action": "scan", "carton": "CT-404", "item": "SKU-2"}):  # fmt: skip
        res = client.post(url, data={"csrf": csrf, **form})
        assert 400 <= res.status_code < 500, (url, form, res.status_code)
        assert 'class="alert"' in res.text


@pytest.mark.parametrize(
    ("fields", "file_in"),
    [({"action": "open"}, "station"),
     ({"action": "scan", "carton": "{carton}", "item": "SKU-2", "qty": "1"}, "lot")],
    ids=["open, a file as the station", "scan, a file as the lot"],
)  # fmt: skip
def test_a_file_in_a_packing_form_field_is_refused_and_nothing_is_done(
    client: TestClient, numbers: dict[str, str], fields: dict[str, str], file_in: str
) -> None:
    url = f"/pack/{numbers['order']}"
    before = client.get(url).text
    data = {"csrf": csrf_of(before), **{k: v.format(**numbers) for k, v in fields.items()}}
    res = client.post(url, data=data, files={file_in: ("x.txt", b"PACK-1", "text/plain")})
    assert res.status_code == 400, res.text
    assert f"{file_in}: expected text, not a file" in res.text
    assert 'class="alert"' in res.text
    packing = client.get(f"/api/orders/{numbers['order']}/packing").json()
    assert [c["number"] for c in packing["cartons"]] == [numbers["carton"]]  # none opened
    assert [line["packed"] for line in packing["lines"]] == [0]  # nothing packed
