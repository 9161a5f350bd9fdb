"""Group commit of orders: one write transaction for several orders, made set-based;
a refused order fails alone and nothing is promised twice."""

from __future__ import annotations

import signal
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path
from typing import Any

import msgspec
from liveserver import free_port, start_server
from orders.orderdata import order
from orders.test_no_oversell_live import ON_HAND, _logged_in, _seed, post_order

from server.database import Store
from sync.errors import Conflict, InvalidRequest
from sync.orders import OrderIn, create_orders


def _in(body: dict[str, Any]) -> OrderIn:
    return msgspec.convert(body, OrderIn)


def test_a_refused_order_fails_alone_in_its_group(warehouse: Store) -> None:
    warehouse.write(create_orders, [(_in(order("G-0", ("SKU-1", 1))), "sup")])
    group = [
        _in(order("G-1", ("SKU-1", 60))),
        _in(order("G-2", ("SKU-1", 1), ("NO-SUCH", 1))),  # unknown item
        _in(order("G-0", ("SKU-1", 2))),  # a used reference with other content
        _in(order("G-3", ("SKU-1", 60))),  # 39 left after G-0 and G-1
        _in(order("G-0", ("SKU-1", 1))),  # a retry: the same order
    ]
    results = warehouse.write(create_orders, [(o, "sup") for o in group])
    assert isinstance(results[1], InvalidRequest) and isinstance(results[2], Conflict)
    first, third, retry = results[0], results[3], results[4]
    assert isinstance(first, tuple) and isinstance(third, tuple) and isinstance(retry, tuple)
    assert (first[0]["status"], first[1]) == ("allocated", True)
    assert (third[0]["status"], third[0]["lines"][0]["reserved"]) == ("backordered", 39)
    assert (retry[0]["number"], retry[1]) == ("SO-1", False)
    rows = warehouse.read(lambda c: c.execute(
        "SELECT o.external_ref, sum(r.qty) FROM orders o JOIN order_lines ol ON ol.order_id = o.id"
        " JOIN reservations r ON r.order_line_id = ol.id AND r.released_at IS NULL"
        " GROUP BY o.id ORDER BY o.id").fetchall())  # fmt: skip
    assert [tuple(r) for r in rows] == [("G-0", 1), ("G-1", 60), ("G-3", 39)]


def test_parallel_good_bad_and_retried_orders_against_a_live_server(tmp_path: Path) -> None:
    db = tmp_path / "orders.db"
    _seed(db)
    port = free_port()
    server = start_server(db, port)
    answers: dict[str, list[tuple[int, Any]]] = {}
    lock = threading.Lock()
    try:

        def place(n: int) -> None:
            # logged in on its thread right before sending (see test_no_oversell_live)
            with closing(_logged_in(f"http://127.0.0.1:{port}")) as client:
                for k in range(8):
                    ref = f"L{n}-{k // 2}"  # each reference is sent twice (a retried webhook)
                    item = "NOPE" if n % 2 and k // 2 == 1 else "SKU-1"
                    res, resent = post_order(client, order(ref, (item, 5)))
                    status = 201 if resent and res.status_code == 200 and k % 2 == 0 else None
                    with lock:
                        answers.setdefault(ref, []).append((status or res.status_code,
                                                            res.json().get("number")))  # fmt: skip

        with ThreadPoolExecutor(6) as pool:
            list(pool.map(place, range(6)))  # re-raises a thread's error
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)

    for ref, got in answers.items():
        n, k = (int(x) for x in ref.removeprefix("L").split("-"))
        if n % 2 and k == 1:  # an unknown item: refused alone, both times
            assert [s for s, _ in got] == [400, 400], (ref, got)
        else:
            assert [s for s, _ in got] == [201, 200], (ref, got)
            assert got[0][1] == got[1][1]  # the retry answers the same order
    conn = sqlite3.connect(db)
    made = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
    held = conn.execute("SELECT sum(qty) FROM reservations WHERE released_at IS NULL").fetchone()[0]
    conn.close()
    assert (len(answers), made) == (24, 21)
    assert held == ON_HAND  # 21 orders of 5 want 105: 100 promised, never more
