"""Fulfilment benchmark: packing orders into cartons and shipping them.

    .venv/bin/python tests/bench/fulfilment.py            # 2,000 orders of 3 lines
    .venv/bin/python tests/bench/fulfilment.py --quick    # 200 orders

A fresh database with 300 items stocked in pick bins and ``--orders`` orders
of 3 lines, all picked into totes (pick movements naming their lines).  Then,
side by side in the same run, each order is packed and shipped — open a
carton, scan its 3 lines, close it with a weight, ship it — through the JSON
API on a live uvicorn from 4 keep-alive connections, and through the domain
functions in-process on a copy.  Every scan and shipment posts its movements
through the ledger.  Afterwards every order must be shipped, nothing left at
the packing station, and ``verify`` clean.  The last line is
``summary key=value ...``; the benchmark never fails on timing.
"""

from __future__ import annotations

import argparse
import http.client
import json
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
from orders import login  # noqa: E402

from server.users import add_user  # noqa: E402
from sync.catalog import add_item, add_location, add_warehouse  # noqa: E402
from sync.db import connect, write_transaction  # noqa: E402
from sync.local import post_local  # noqa: E402
from sync.orders import create_order, decode_order  # noqa: E402
from sync.packing import close_carton, open_carton, pack_item  # noqa: E402
from sync.schema import migrate  # noqa: E402
from sync.shipping import ship_cartons  # noqa: E402
from sync.verify import verify  # noqa: E402

ITEMS, TOTES, CLIENTS, LINES = 300, 50, 4, 3
PASSWORD = "correct-horse-battery"


def seed(db: Path, count: int) -> list[tuple[str, list[tuple[str, int]]]]:
    """The stocked floor and ``count`` picked orders: (number, [(sku, qty)]) each."""
    conn = connect(db)
    migrate(conn)
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        for n in range(ITEMS):
            add_location(conn, f"A-{n:04d}", "pick", warehouse="MAIN", pick_seq=n)
            add_item(conn, f"SKU-{n:04d}", f"Item {n}")
        for n in range(TOTES):
            add_location(conn, f"TOTE-{n:03d}", "staging", warehouse="MAIN")
        add_location(conn, "PACK-1", "packing", warehouse="MAIN")
        add_user(conn, "boss", "supervisor", PASSWORD)
    stock = [{"kind": "receive", "item": f"SKU-{n:04d}", "to": f"A-{n:04d}", "qty": 100_000}
             for n in range(ITEMS)]  # fmt: skip
    post_local(conn, stock, user="setup")
    orders, picks = [], []
    for n in range(count):
        lines = [(f"SKU-{(n * 7 + k * 101) % ITEMS:04d}", 1 + (n + k) % 4) for k in range(LINES)]
        body = json.dumps({
            "channel": "bench", "external_ref": f"F-{n}", "customer": "C",
            "ship_to": {"name": "C", "line1": "1 Road", "city": "Leeds", "postcode": "LS1",
                        "country": "GB"},
            "lines": [{"item": s, "qty": q} for s, q in lines]}).encode()  # fmt: skip
        made, _ = create_order(conn, decode_order(body), by_user="setup")
        orders.append((made["number"], lines))
        for line, (sku, qty) in zip(made["lines"], lines, strict=True):
            picks.append({"kind": "pick", "item": sku, "from": f"A-{int(sku[4:]):04d}",
                          "to": f"TOTE-{n % TOTES:03d}", "qty": qty,
                          "ref": {"order_line": line["line"]}})  # fmt: skip
    for start in range(0, len(picks), 500):
        post_local(conn, picks[start : start + 500], user="picker")
    conn.close()
    return orders


def _call(
    conn: http.client.HTTPConnection, cookie: str, path: str, body: dict[str, object]
) -> object:
    conn.request("POST", path, body=json.dumps(body).encode(), headers={
        "Content-Type": "application/json", "Cookie": cookie})  # fmt: skip
    res = conn.getresponse()
    answer = json.loads(res.read())
    if res.status >= 400:
        raise RuntimeError(f"{path}: {res.status} {answer}")
    return answer.get("number", res.status)


def over_http(port: int, cookie: str, orders: list[tuple[str, list[tuple[str, int]]]]) -> float:
    errors: list[str] = []

    def client(part: list[tuple[str, list[tuple[str, int]]]]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            for number, lines in part:
                carton = _call(conn, cookie, f"/api/orders/{number}/cartons", {})
                for sku, qty in lines:
                    _call(conn, cookie, f"/api/cartons/{carton}/items", {"item": sku, "qty": qty})
                _call(conn, cookie, f"/api/cartons/{carton}/close", {"weight_kg": 1.5})
                shipment = {
                    "carrier": "DHL",
                    "service": "Express",
                    "tracking_number": f"T-{number}",
                }
                _call(conn, cookie, f"/api/orders/{number}/shipments", shipment)
        except RuntimeError as exc:
            errors.append(str(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(orders[i::CLIENTS],)) for i in range(CLIENTS)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"API errors: {errors[:3]}")
    return time.perf_counter() - start


def in_process(db: Path, orders: list[tuple[str, list[tuple[str, int]]]]) -> float:
    conn = connect(db)
    start = time.perf_counter()
    for number, lines in orders:
        carton = open_carton(conn, number, station=None, by_user="bench")["number"]
        for sku, qty in lines:
            pack_item(conn, carton, item=sku, qty=qty, by_user="bench")
        close_carton(conn, carton, weight_kg=1.5, by_user="bench")
        ship_cartons(conn, number, carrier="DHL", service="Express",
                     tracking_number=f"T-{number}", by_user="bench")  # fmt: skip
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def check(db: Path, count: int) -> str:
    conn = sqlite3.connect(db)
    try:
        shipped = conn.execute("SELECT count(*) FROM orders WHERE status = 'shipped'").fetchone()[0]
        left = conn.execute(
            "SELECT coalesce(sum(s.on_hand), 0) FROM stock s JOIN locations l"
            " ON l.id = s.location_id WHERE l.kind IN ('staging', 'packing')"
        ).fetchone()[0]
        problems = verify(conn)
    finally:
        conn.close()
    if shipped == count and left == 0 and not problems:
        return "ok"
    return f"FAIL(shipped={shipped},left={left},verify={len(problems)})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="200 orders")
    args = parser.parse_args(argv)
    count = 200 if args.quick else args.orders
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / "template.db"
        started = time.perf_counter()
        orders = seed(template, count)
        print(f"setup: {ITEMS} items, {count:,} orders of {LINES} lines picked in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        live, local = Path(tmp) / "live.db", Path(tmp) / "local.db"
        for target in (live, local):
            shutil.copy(template, target)
        port = free_port()
        server = start_server(live, port)
        try:
            http_s = over_http(port, login(port), orders)
        finally:
            server.terminate()
            server.wait(timeout=10)
        local_s = in_process(local, orders)
        verdict = "ok" if check(live, count) == check(local, count) == "ok" else (
            f"{check(live, count)}/{check(local, count)}")  # fmt: skip

    scans = count * LINES
    http_rate, local_rate = count / http_s, count / local_s
    print(f"api: {count:,} orders packed ({scans:,} scans) and shipped in {http_s:.2f} s ="
          f" {http_rate:,.0f} orders/s, {scans / http_s:,.0f} scans/s"
          f" ({CLIENTS} connections)")  # fmt: skip
    print(f"in-process: {local_rate:,.0f} orders/s (the domain functions, no HTTP)")
    print(f"all shipped, nothing left in staging or packing, verify clean: {verdict}")
    print(
        f"summary orders={count} scans={scans} api_orders_per_s={http_rate:.0f}"
        f" api_scans_per_s={scans / http_s:.0f} inprocess_orders_per_s={local_rate:.0f}"
        f" ratio_api_to_inprocess={http_rate / local_rate:.2f} checks={verdict}"
    )
    return 0 if verdict == "ok" else 1


if __name__ == "__main__":
    sys.exit(main())
