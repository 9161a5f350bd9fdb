"""Property: whatever supervisors decide, in whatever order, twice or once,
the ledger stays balanced, stock equals the ledger, every conflict is
resolved at most once, and resent pushes change nothing afterwards."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher, profiles
from devicesim import SimDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from server.users import add_user
from sync.catalog import add_item, add_location, add_warehouse
from sync.orders import create_order, decode_order
from sync.verify import verify

CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
BINS = ["A-01", "A-02"]
ITEMS = ["SKU-1", "SKU-2"]

movement_st = st.one_of(
    st.tuples(st.just("pick"), st.sampled_from(ITEMS), st.integers(1, 30), st.sampled_from(BINS)),
    # a pick against an order line (of 10 units of SKU-1): more makes an OVERPICK
    st.tuples(st.just("pick_line"), st.just("SKU-1"), st.integers(1, 12), st.sampled_from(BINS)),
    st.tuples(st.just("count"), st.sampled_from(ITEMS), st.integers(0, 40), st.sampled_from(BINS)),
    st.tuples(st.just("receive"), st.sampled_from(["SKU-1", "NEW-CODE"]), st.integers(1, 9),
              st.just("DOCK")),
)  # fmt: skip
decision_st = st.tuples(
    st.sampled_from(
        ["accept", "accept_counted_now", "edit", "void", "recount", "map", "reallocate"]
    ),
    st.integers(1, 30),
    st.booleans(),  # sent twice
)


def _seed(conn: Any) -> None:
    add_warehouse(conn, "MAIN", "Main")
    add_location(conn, "DOCK", "receiving", warehouse="MAIN")
    for code in BINS:
        add_location(conn, code, "pick", warehouse="MAIN")
    add_location(conn, "TOTE-1", "staging", warehouse="MAIN")
    for sku in ITEMS:
        add_item(conn, sku, sku, unit_cost=1.0)
    add_user(conn, "sue", "supervisor", "correct-horse-battery", hasher=CHEAP_HASHER)
    add_user(conn, "ana", "counter", "correct-horse-battery", hasher=CHEAP_HASHER)


def _order(store: Any, ref: str, qty: int) -> str:
    """An order of ``qty`` SKU-1 (nothing in stock: backordered); its line."""
    body = {"channel": "shop", "external_ref": ref, "customer": "Ada",
            "ship_to": {"name": "Ada", "line1": "1 Dock Road", "city": "Leeds",
                        "postcode": "LS1 1AA", "country": "GB"},
            "lines": [{"item": "SKU-1", "qty": qty}]}  # fmt: skip
    made, _ = store.write(create_order, decode_order(json.dumps(body).encode()), by_user="sue")
    return str(made["lines"][0]["line"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(movement_st, min_size=1, max_size=8), min_size=2, max_size=2),
    st.lists(decision_st, min_size=1, max_size=10),
)
def test_resolutions_keep_the_ledger_whole(
    histories: list[list[tuple[str, str, int, str]]], decisions: list[tuple[str, int, bool]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Settings.from_env({}, db=Path(tmp) / "p.db"), password_hasher=CHEAP_HASHER)
        with TestClient(app) as client:
            store = app.state.store
            store.transact(_seed)
            lines = [_order(store, ref, qty) for ref, qty in (("P-1", 10), ("P-2", 15))]
            sims = []
            for n, history in enumerate(histories):
                sim = SimDevice.register(client, username="ana", password="correct-horse-battery",
                                         name=f"d{n}")  # fmt: skip
                sim.pull_all()
                for kind, item, qty, where in history:
                    if kind == "pick":
                        sim.record("pick", item, qty, from_=where, to="TOTE-1")
                    elif kind == "pick_line":
                        ref = {"order_line": lines[0], "task": None, "rma": None,
                               "count_task": None}  # fmt: skip
                        sim.record("pick", item, qty, from_=where, to="TOTE-1", ref=ref)
                    else:
                        sim.record(kind, item, qty, to=where)
                sim.push()
                sims.append(sim)
            page = client.get("/login")
            token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
            client.post("/login", data={"username": "sue", "password": "correct-horse-battery",
                                        "csrf": token})  # fmt: skip
            answered: dict[str, int] = {}
            for n, (action, qty, twice) in enumerate(decisions):
                rows = client.get("/api/conflicts").json()["conflicts"]
                if not rows:
                    break
                row = rows[n % len(rows)]
                # the fields each action uses for this conflict (any other is refused)
                fields = {
                    "edit": {"counted": qty} if row["held"] else {"qty": qty, "location": "A-02"},
                    "map": {"item": "SKU-2"} if row["code"] == "UNKNOWN_ITEM"
                    else {"location": "A-02"},
                    "reallocate": {"location": "A-02"},  # all the extra units
                }.get(action, {})  # fmt: skip
                body = {"action": action, "reason": "property", "id": f"decision-{n:04d}",
                        **fields}  # fmt: skip
                for _ in range(2 if twice else 1):
                    res = client.post(f"/api/conflicts/{row['id']}/resolve", json=body)
                    assert res.status_code in (200, 201, 400), res.text
                    if res.status_code != 400:
                        answered[row["id"]] = answered.get(row["id"], 0) + (res.status_code == 201)
            assert all(times == 1 for times in answered.values())
            assert store.read(verify) == []
            stock_before = client.get("/api/stock").json()
            for sim in sims:  # a device resending everything changes nothing now
                sim.push(sim.sent)
            assert client.get("/api/stock").json() == stock_before
            assert store.read(verify) == []
            resolved = store.read(
                lambda c: c.execute(
                    "SELECT count(*) FROM conflicts c JOIN resolutions r ON r.id = c.resolution_id"
                    " WHERE c.state = 'resolved'"
                ).fetchone()[0]
            )
            assert resolved >= len(answered)
