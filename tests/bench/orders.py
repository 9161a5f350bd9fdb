"""Orders benchmark: creating and allocating orders, and building a wave.

    .venv/bin/python tests/bench/orders.py            # 10,000 orders of 3 lines
    .venv/bin/python tests/bench/orders.py --quick    # 1,000 orders

A fresh database with 1,000 items, each stocked in a pick bin and a reserve
bin (through receive and putaway movements), 3,200 totes and a supervisor.
Then, side by side in the same run:

1. ``--orders`` orders of 3 lines pushed through ``POST /api/orders`` on a
   live uvicorn (uvloop, httptools) from 4 keep-alive connections: orders
   created and allocated per second, end to end, and the server's CPU time
   per order (steadier than the wall clock on a shared machine);
2. the same orders through ``POST /api/orders/batch`` (``BULK`` orders a
   request, from 2 connections) on a second live server with its own copy:
   what a marketplace or an import sending batches gets;
3. the same number of orders through ``sync.orders.create_order`` in-process
   on another fresh copy, one transaction each: the ceiling without HTTP; and
   on a third copy through ``create_orders`` in groups of 4 (what the API's
   group commit makes of 4 connections at best), and on a fourth in groups of
   ``BULK`` (the bulk API without HTTP);
4. ``POST /api/waves`` for the 1,000 most urgent orders (100 per list): the
   time to build it, and how many orders it covered.

Afterwards, on both live copies: no location holds more reservations than
stock, and every order is allocated or backordered consistently.  The last line is
``summary key=value ...``; the benchmark never fails on timing.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from liveserver import free_port, start_server  # noqa: E402

from server.users import add_user  # noqa: E402
from sync.catalog import add_item, add_location, add_warehouse  # noqa: E402
from sync.db import connect, write_transaction  # noqa: E402
from sync.local import post_local  # noqa: E402
from sync.orders import create_order, create_orders, decode_order  # noqa: E402
from sync.schema import migrate  # noqa: E402

ITEMS, TOTES, CLIENTS = 1000, 3200, 4  # an order may need a tote in each of 3 zones
BULK, BULK_CLIENTS = 500, 2  # orders per POST /api/orders/batch, connections
PASSWORD = "correct-horse-battery"


def seed(db: Path) -> None:
    conn = connect(db)
    migrate(conn)
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "DOCK", "receiving", warehouse="MAIN")
        for n in range(ITEMS):
            zone = "A" if n < ITEMS // 2 else "B"
            add_location(conn, f"{zone}-{n:04d}", "pick", warehouse="MAIN", zone=zone, pick_seq=n)
            add_location(conn, f"R-{n:04d}", "reserve", warehouse="MAIN", zone="R", pick_seq=n)
            add_item(conn, f"SKU-{n:04d}", f"Item {n}")
        for n in range(TOTES):
            add_location(conn, f"TOTE-{n:04d}", "staging", warehouse="MAIN")
        add_user(conn, "boss", "supervisor", PASSWORD)
    movements = []
    for n in range(ITEMS):
        zone = "A" if n < ITEMS // 2 else "B"
        sku = f"SKU-{n:04d}"
        movements += [
            {"kind": "receive", "item": sku, "to": "DOCK", "qty": 500},
            {"kind": "putaway", "item": sku, "from": "DOCK", "to": f"{zone}-{n:04d}", "qty": 200},
            {"kind": "putaway", "item": sku, "from": "DOCK", "to": f"R-{n:04d}", "qty": 300},
        ]
    for start in range(0, len(movements), 500):
        post_local(conn, movements[start : start + 500], user="setup")
    conn.close()


def bodies(count: int, seed_value: int) -> list[bytes]:
    rng = random.Random(seed_value)
    out = []
    for n in range(count):
        lines = [{"item": f"SKU-{i:04d}", "qty": rng.randint(1, 4)}
                 for i in rng.sample(range(ITEMS), 3)]  # fmt: skip
        out.append(json.dumps({
            "channel": "bench", "external_ref": f"B-{n}", "customer": f"Customer {n}",
            "ship_to": {"name": "C", "line1": "1 Road", "city": "Leeds", "postcode": "LS1",
                        "country": "GB"},
            "lines": lines, "priority": rng.randint(1, 9),
        }).encode())  # fmt: skip
    return out


def login(port: int) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/login")
    res = conn.getresponse()
    cookie = res.getheader("set-cookie", "").split(";")[0]
    match = re.search(r'name="csrf" value="([^"]+)"', res.read().decode())
    assert match, "no CSRF token on the login page"
    form = f"username=boss&password={PASSWORD}&csrf={match.group(1)}"
    conn.request("POST", "/login", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})  # fmt: skip
    res = conn.getresponse()
    res.read()
    assert res.status == 303, res.status
    return res.getheader("set-cookie", "").split(";")[0]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``; 0 elsewhere).

    On a shared machine this is steadier than the wall clock: it is what the
    server spent, whoever else was running."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def over_http(port: int, cookie: str, work: list[bytes]) -> tuple[float, list[int]]:
    statuses: list[int] = []
    lock = threading.Lock()

    def client(part: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for body in part:
            conn.request("POST", "/api/orders", body=body, headers={
                "Content-Type": "application/json", "Cookie": cookie})  # fmt: skip
            res = conn.getresponse()
            res.read()
            with lock:
                statuses.append(res.status)
        conn.close()

    threads = [threading.Thread(target=client, args=(work[i::CLIENTS],)) for i in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, statuses


def over_http_bulk(port: int, cookie: str, work: list[bytes]) -> tuple[float, list[str]]:
    """The orders in batches of ``BULK``, the batches shared out over the connections."""
    batches = [b'{"orders": [' + b",".join(work[n : n + BULK]) + b"]}"
               for n in range(0, len(work), BULK)]  # fmt: skip
    results: list[str] = []
    lock = threading.Lock()

    def client(part: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for body in part:
            conn.request("POST", "/api/orders/batch", body=body, headers={
                "Content-Type": "application/json", "Cookie": cookie})  # fmt: skip
            res = conn.getresponse()
            answer = json.loads(res.read())
            assert res.status == 200, answer
            with lock:
                results.extend(r["result"] for r in answer["results"])
        conn.close()

    threads = [threading.Thread(target=client, args=(batches[i::BULK_CLIENTS],))
               for i in range(BULK_CLIENTS)]  # fmt: skip
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, results


def in_process(db: Path, work: list[bytes], group: int = 1) -> float:
    conn = connect(db)
    orders = [decode_order(body) for body in work]
    start = time.perf_counter()
    if group == 1:
        for order in orders:
            create_order(conn, order, by_user="bench")
    else:
        for n in range(0, len(orders), group):
            create_orders(conn, [(order, "bench") for order in orders[n : n + group]])
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def wave(port: int, cookie: str) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = json.dumps({"max_orders": 1000, "orders_per_list": 100}).encode()
    start = time.perf_counter()
    conn.request("POST", "/api/waves", body=body, headers={
        "Content-Type": "application/json", "Cookie": cookie})  # fmt: skip
    res = conn.getresponse()
    answer = json.loads(res.read())
    elapsed = time.perf_counter() - start
    assert res.status in (200, 201), answer
    return elapsed, len(answer["pick_lists"])


def waved_orders(db: Path) -> int:
    conn = sqlite3.connect(db)
    found = conn.execute(
        "SELECT count(DISTINCT ol.order_id) FROM pick_tasks t"
        " JOIN order_lines ol ON ol.id = t.order_line_id"
    ).fetchone()[0]
    conn.close()
    return int(found)


def check(db: Path) -> str:
    conn = sqlite3.connect(db)
    oversold = conn.execute(
        "SELECT count(*) FROM (SELECT r.item_id, r.location_id, r.lot, sum(r.qty) AS held"
        " FROM reservations r WHERE r.released_at IS NULL GROUP BY 1, 2, 3) x"
        " JOIN stock s USING (item_id, location_id, lot) WHERE x.held > s.on_hand"
    ).fetchone()[0]
    wrong = conn.execute(
        "SELECT count(*) FROM (SELECT o.status, sum(ol.qty) AS want, (SELECT coalesce(sum(r.qty),"
        " 0) FROM reservations r JOIN order_lines l2 ON l2.id = r.order_line_id"
        " WHERE l2.order_id = o.id AND r.released_at IS NULL) AS got FROM orders o"
        " JOIN order_lines ol ON ol.order_id = o.id GROUP BY o.id)"
        " WHERE (status = 'allocated') != (got = want)"
    ).fetchone()[0]
    conn.close()
    return "ok" if oversold == 0 and wrong == 0 else f"FAIL(oversold={oversold},wrong={wrong})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="1,000 orders")
    args = parser.parse_args(argv)
    count = 1000 if args.quick else args.orders
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.db"
        started = time.perf_counter()
        seed(template)
        print(f"setup: {ITEMS} items stocked in {2 * ITEMS} bins, {TOTES} totes in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        live, bulk = Path(tmp) / "live.db", Path(tmp) / "bulk.db"
        local, grouped = Path(tmp) / "local.db", Path(tmp) / "grouped.db"
        local_bulk = Path(tmp) / "local_bulk.db"
        for target in (live, bulk, local, grouped, local_bulk):
            shutil.copy(template, target)
        work = bodies(count, 7)

        port = free_port()
        server = start_server(live, port)
        try:
            cookie = login(port)
            cpu_before = cpu_seconds(server.pid)
            http_s, statuses = over_http(port, cookie, work)
            server_cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / count
            wave_s, lists = wave(port, cookie)
        finally:
            server.terminate()
            server.wait(timeout=10)
        port = free_port()
        server = start_server(bulk, port)
        try:
            cookie = login(port)
            cpu_before = cpu_seconds(server.pid)
            bulk_s, results = over_http_bulk(port, cookie, work)
            bulk_cpu_ms = (cpu_seconds(server.pid) - cpu_before) * 1000 / count
        finally:
            server.terminate()
            server.wait(timeout=10)
        local_s = in_process(local, work)
        grouped_s = in_process(grouped, work, CLIENTS)
        local_bulk_s = in_process(local_bulk, work, BULK)
        verdict, bulk_verdict = check(live), check(bulk)
        covered = waved_orders(live)

    created, bulk_created = statuses.count(201), results.count("created")
    http_rate, bulk_rate = count / http_s, count / bulk_s
    local_rate, grouped_rate = count / local_s, count / grouped_s
    local_bulk_rate = count / local_bulk_s
    print(f"api: {count:,} orders of 3 lines in {http_s:.2f} s = {http_rate:,.0f} orders/s "
          f"({CLIENTS} connections); {created:,} created; "
          f"server CPU {server_cpu_ms:.2f} ms per order (user + system)")  # fmt: skip
    print(f"bulk api: {count:,} orders in batches of {BULK} in {bulk_s:.2f} s = "
          f"{bulk_rate:,.0f} orders/s ({BULK_CLIENTS} connections); {bulk_created:,} created; "
          f"server CPU {bulk_cpu_ms:.2f} ms per order")  # fmt: skip
    print(f"in-process: {local_rate:,.0f} orders/s (create_order, no HTTP); "
          f"{grouped_rate:,.0f} orders/s in groups of {CLIENTS}, {local_bulk_rate:,.0f} in "
          f"groups of {BULK} (create_orders)")  # fmt: skip
    print(f"wave: {covered:,} orders into {lists} pick lists in {wave_s * 1000:.0f} ms")
    print(f"never oversold, statuses consistent: {verdict} (single), {bulk_verdict} (bulk)")
    checks = "ok" if verdict == bulk_verdict == "ok" else f"single:{verdict},bulk:{bulk_verdict}"
    print(
        f"summary orders={count} api_orders_per_s={http_rate:.0f}"
        f" api_server_cpu_ms_per_order={server_cpu_ms:.2f}"
        f" api_bulk_orders_per_s={bulk_rate:.0f}"
        f" api_bulk_server_cpu_ms_per_order={bulk_cpu_ms:.2f}"
        f" ratio_bulk_to_api={bulk_rate / http_rate:.2f}"
        f" inprocess_orders_per_s={local_rate:.0f}"
        f" ratio_api_to_inprocess={http_rate / local_rate:.2f}"
        f" inprocess_grouped_orders_per_s={grouped_rate:.0f}"
        f" ratio_grouped_to_inprocess={grouped_rate / local_rate:.2f}"
        f" inprocess_bulk_orders_per_s={local_bulk_rate:.0f}"
        f" ratio_bulk_api_to_inprocess_bulk={bulk_rate / local_bulk_rate:.2f}"
        f" target_orders_per_s=1000 target_ratio={http_rate / 1000:.2f}"
        f" target_ratio_bulk={bulk_rate / 1000:.2f}"
        f" wave_orders={covered} wave_s={wave_s:.2f}"
        f" wave_target_s=2 wave_ratio={wave_s / 2:.2f} checks={checks}"
    )
    made_all = created == count and bulk_created == count
    return 0 if checks == "ok" and made_all and covered == min(1000, count) else 1


if __name__ == "__main__":
    sys.exit(main())
