"""A pick list assigned away from a picker leaves that picker's devices on
their next pull; what the old picker already picked still posts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from devicesim import SimDevice
from intake.floor import PASSWORD, more_totes, pick, tasks
from orders.orderdata import order
from starlette.testclient import TestClient

from server.database import Store
from server.users import User


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    more_totes(warehouse)
    return logged_in("supervisor")


def test_the_old_pickers_device_is_told_the_list_was_reassigned(
    client: TestClient, manager: User, make_user: Callable[..., User]
) -> None:
    made = client.post("/api/orders", json=order("RA-1", ("SKU-1", 4), ("SKU-2", 3))).json()
    [number] = client.post("/api/waves", json={}).json()["pick_lists"]
    ana, bob = make_user("picker"), make_user("picker")
    old = SimDevice.register(client, username=ana.username, password=PASSWORD)
    new = SimDevice.register(client, username=bob.username, password=PASSWORD)
    old.pull_all()
    new.pull_all()
    client.post(f"/api/pick-lists/{number}/assign", json={"username": ana.username})
    mine = tasks(old)
    assert {t["list_status"] for t in mine} == {"open"} and len(mine) == 2
    assert tasks(new) == []
    first = sorted(mine, key=lambda t: t["walk"])[0]
    pick(old, first)  # picked offline before the reassignment
    client.post(f"/api/pick-lists/{number}/assign", json={"username": bob.username})
    gone = tasks(old)
    assert sorted(t["id"] for t in gone) == sorted(t["id"] for t in mine)
    assert {(t["list"], t["list_status"], t["reassigned_to"]) for t in gone} == {
        (number, "reassigned", bob.username)}  # fmt: skip
    assert tasks(old) == []  # told once
    got = tasks(new)
    assert {t["list_status"] for t in got} == {"open"} and len(got) == 2
    # the old device's pick still posts against the line and its task
    assert old.push()["results"][0]["outcome"] == "applied"
    assert client.get(f"/api/orders/{made['number']}").json()["status"] == "picking"
    done = {t["id"]: t["status"] for t in tasks(new)}
    assert done == {first["id"]: "done"}
    # given back: the first picker gets it again as open; a fresh device of the
    # second picker is not told about a list it never had
    client.post(f"/api/pick-lists/{number}/assign", json={"username": ana.username})
    back = tasks(old)
    assert {t["list_status"] for t in back} == {"open"} and len(back) == 2
    assert {t["list_status"] for t in tasks(new)} == {"reassigned"}
    fresh = SimDevice.register(client, username=bob.username, password=PASSWORD)
    assert tasks(fresh) == []
