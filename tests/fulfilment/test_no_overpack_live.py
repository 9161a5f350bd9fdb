"""Packers scanning one order at once, on a live server, never pack more than was picked."""

from __future__ import annotations

import re
import signal
import sqlite3
import threading
from pathlib import Path

import httpx2
from liveserver import free_port, start_server

from server.users import add_user
from sync.catalog import add_item, add_location, add_warehouse
from sync.db import connect, write_transaction
from sync.local import post_local
from sync.orders import OrderIn, create_order, decode_order
from sync.schema import migrate
from sync.verify import verify

PICKED = 12
THREADS, SCANS_EACH = 6, 4  # 24 scans of one unit for 12 picked units


def _seed(db: Path) -> tuple[str, str]:
    """An order of 12 bolts, picked into TOTE-1, with two cartons open at PACK-1."""
    conn = connect(db)
    migrate(conn)
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "A-01", "pick", warehouse="MAIN")
        add_location(conn, "TOTE-1", "staging", warehouse="MAIN")
        add_location(conn, "PACK-1", "packing", warehouse="MAIN")
        add_item(conn, "SKU-1", "Hex bolt")
        add_user(conn, "pat", "picker", "correct-horse-battery")
    post_local(conn, [{"kind": "receive", "item": "SKU-1", "to": "A-01", "qty": 50}], user="setup")
    body = b'{"channel": "shop", "customer": "C", "lines": [{"item": "SKU-1", "qty": 12}],'
    body += b' "ship_to": {"name": "C", "line1": "1 Road", "city": "X", "postcode": "1",'
    body += b' "country": "GB"}}'
    order: OrderIn = decode_order(body)
    made, _ = create_order(conn, order, by_user="setup")
    line = made["lines"][0]["line"]
    post_local(conn, [{"kind": "pick", "item": "SKU-1", "from": "A-01", "to": "TOTE-1",
                       "qty": PICKED, "ref": {"order_line": line}}], user="pat")  # fmt: skip
    conn.close()
    return made["number"], line


def _logged_in(base: str) -> httpx2.Client:
    # a new connection per request: a kept-alive one can sit idle past the
    # server's keep-alive timeout while the other clients log in (slow on a
    # loaded machine), and a request sent as the server closes it is lost
    client = httpx2.Client(base_url=base, timeout=30,
                           limits=httpx2.Limits(max_keepalive_connections=0))  # fmt: skip
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert csrf
    client.post("/login", data={"username": "pat", "password": "correct-horse-battery",
                                "csrf": csrf.group(1)})  # fmt: skip
    return client


def test_parallel_scans_never_overpack(tmp_path: Path) -> None:
    db = tmp_path / "pack.db"
    number, _ = _seed(db)
    port = free_port()
    server = start_server(db, port)
    answers: list[int] = []
    try:
        clients = [_logged_in(f"http://127.0.0.1:{port}") for _ in range(THREADS)]
        cartons = [clients[0].post(f"/api/orders/{number}/cartons", json={}).json()["number"]
                   for _ in range(2)]  # fmt: skip

        def scan(n: int, client: httpx2.Client) -> None:
            for _ in range(SCANS_EACH):
                res = client.post(f"/api/cartons/{cartons[n % 2]}/items",
                                  json={"item": "SKU-1", "qty": 1})  # fmt: skip
                answers.append(res.status_code)

        threads = [threading.Thread(target=scan, args=(n, c)) for n, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for c in clients:
            c.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)

    assert sorted(answers) == [200] * PICKED + [409] * (THREADS * SCANS_EACH - PICKED)
    conn = sqlite3.connect(db)
    try:
        packed = conn.execute("SELECT packed FROM order_lines").fetchone()[0]
        in_cartons = conn.execute("SELECT sum(qty) FROM carton_lines").fetchone()[0]
        at = dict(conn.execute(
            "SELECT l.code, s.on_hand FROM stock s JOIN locations l ON l.id = s.location_id"
            " WHERE l.code IN ('TOTE-1', 'PACK-1')"
        ).fetchall())  # fmt: skip
        assert (packed, in_cartons, at) == (PICKED, PICKED, {"TOTE-1": 0, "PACK-1": PICKED})
        assert verify(conn) == []
    finally:
        conn.close()
