"""Many orders at once against a live server, one a request or in batches, never promise
more than is there.

Each client logs in on its own thread right before it sends, so no
keep-alive connection sits idle past the server's keep-alive timeout (5 s)
while the others log in; under load the server could close one just as a
request went out on it, and the request failed with no answer.  A request
whose connection drops like that is sent once more (``post_order``): safe,
since orders are idempotent by channel and reference.
"""

from __future__ import annotations

import re
import signal
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx2
from liveserver import free_port, start_server

from server.users import add_user
from sync.catalog import add_item, add_location, add_warehouse
from sync.db import connect, write_transaction
from sync.local import post_local
from sync.schema import migrate

ON_HAND = 100
THREADS, ORDERS_EACH, QTY = 8, 5, 7  # 280 wanted, 100 there


def _seed(db: Path) -> None:
    conn = connect(db)
    migrate(conn)
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "DOCK", "receiving", warehouse="MAIN")
        for code in ("A-01", "A-02", "B-01"):
            add_location(conn, code, "pick" if code < "B" else "reserve", warehouse="MAIN")
        add_item(conn, "SKU-1", "Hex bolt")
        add_user(conn, "boss", "supervisor", "correct-horse-battery")
    post_local(conn, [
        {"kind": "receive", "item": "SKU-1", "to": "DOCK", "qty": ON_HAND},
        {"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "A-01", "qty": 40},
        {"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "A-02", "qty": 35},
        {"kind": "putaway", "item": "SKU-1", "from": "DOCK", "to": "B-01", "qty": 25},
    ], user="setup")  # fmt: skip
    conn.close()


def _logged_in(base: str) -> httpx2.Client:
    client = httpx2.Client(base_url=base, timeout=30)
    page = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    res = client.post("/login", data={"username": "boss", "password": "correct-horse-battery",
                                      "csrf": csrf.group(1)})  # fmt: skip
    assert res.status_code in (200, 303), res.text
    return client


def post_order(client: httpx2.Client, body: dict[str, Any]) -> tuple[httpx2.Response, bool]:
    """``POST /api/orders``, sent again once if the connection dropped without an
    answer; (the response, whether it was sent again: then 200 may stand for 201)."""
    try:
        return client.post("/api/orders", json=body), False
    except httpx2.TransportError:
        return client.post("/api/orders", json=body), True


def test_parallel_orders_never_oversell(tmp_path: Path) -> None:
    db = tmp_path / "orders.db"
    _seed(db)
    port = free_port()
    server = start_server(db, port)
    base = f"http://127.0.0.1:{port}"
    try:

        def place(n: int) -> list[int]:
            answers = []
            with closing(_logged_in(base)) as client:
                for k in range(ORDERS_EACH):
                    res, resent = post_order(client, _body(f"T{n}-{k}"))
                    answers.append(201 if resent and res.status_code == 200 else res.status_code)
            return answers

        with ThreadPoolExecutor(THREADS) as pool:  # re-raises what failed in a thread
            answers = [a for part in pool.map(place, range(THREADS)) for a in part]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)

    assert answers == [201] * THREADS * ORDERS_EACH
    _assert_never_oversold(db)


def _body(ref: str) -> dict[str, Any]:
    return {"channel": "shop", "external_ref": ref, "customer": "C",
            "ship_to": {"name": "C", "line1": "1 Road", "city": "X", "postcode": "1",
                        "country": "GB"},
            "lines": [{"item": "SKU-1", "qty": QTY}]}  # fmt: skip


def test_parallel_batches_and_single_orders_never_oversell(tmp_path: Path) -> None:
    db = tmp_path / "orders.db"
    _seed(db)
    port = free_port()
    server = start_server(db, port)
    base = f"http://127.0.0.1:{port}"
    try:

        def place(n: int) -> list[str]:
            refs = [f"T{n}-{k}" for k in range(ORDERS_EACH)]
            with closing(_logged_in(base)) as client:
                if n % 2 == 0:  # one order a request
                    return [str(post_order(client, _body(ref))[0].status_code) for ref in refs]
                batch = {"orders": [_body(ref) for ref in refs]}
                try:
                    res, resent = client.post("/api/orders/batch", json=batch), False
                except httpx2.TransportError:  # see post_order: a batch is safe to resend
                    res, resent = client.post("/api/orders/batch", json=batch), True
                assert res.status_code == 200, res.text
                made = [r["result"] for r in res.json()["results"]]
                return ["201" if resent and m == "existing" else m for m in made]

        with ThreadPoolExecutor(THREADS) as pool:  # re-raises what failed in a thread
            answers = [a for part in pool.map(place, range(THREADS)) for a in part]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)

    half = THREADS // 2 * ORDERS_EACH
    assert sorted(answers) == ["201"] * half + ["created"] * half
    _assert_never_oversold(db)


def _assert_never_oversold(db: Path) -> None:
    conn = sqlite3.connect(db)
    reserved = dict(conn.execute(
        "SELECT l.code, sum(r.qty) FROM reservations r JOIN locations l ON l.id = r.location_id"
        " WHERE r.released_at IS NULL GROUP BY l.code"
    ).fetchall())  # fmt: skip
    on_hand = dict(conn.execute(
        "SELECT l.code, s.on_hand FROM stock s JOIN locations l ON l.id = s.location_id"
        " WHERE l.code IN ('A-01', 'A-02', 'B-01')"
    ).fetchall())  # fmt: skip
    assert all(reserved[code] <= on_hand[code] for code in reserved)  # never oversold
    assert sum(reserved.values()) == ON_HAND  # and nothing left idle while orders wait
    per_order = conn.execute(
        "SELECT o.status, coalesce(sum(r.qty), 0) FROM orders o"
        " JOIN order_lines ol ON ol.order_id = o.id"
        " LEFT JOIN reservations r ON r.order_line_id = ol.id AND r.released_at IS NULL"
        " GROUP BY o.id"
    ).fetchall()
    assert len(per_order) == THREADS * ORDERS_EACH  # each order made once
    assert all((status == "allocated") == (qty == QTY) for status, qty in per_order)
    assert sum(status == "allocated" for status, _ in per_order) == ON_HAND // QTY
    conn.close()
