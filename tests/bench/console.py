"""Console benchmark: the conflict inbox with many open conflicts, and resolving.

    .venv/bin/python tests/bench/console.py            # 20,000 held counts
    .venv/bin/python tests/bench/console.py --quick    # 2,000

The demo warehouse, then ``--conflicts`` counts far from the book pushed as
the server's own device (batches of 500): each is held ``COUNT_VARIANCE`` or
``COUNT_DISAGREEMENT``.  Then, side by side in the same run:

1. the inbox (``list_conflicts``, sorted for attention, 200 rows) and one
   conflict's detail (``conflict_detail``): median and p95 milliseconds;
2. accepting a tenth of them one by one (``resolve``, one write transaction
   each, as the API does): resolutions per second, against the counts pushed
   per second in step 0 (batches of 500) and against single-movement pushes
   (``post_local`` of one count) measured now; then another tenth accepted
   "as counted now" (a count placed now), and one ``map`` of an unknown
   barcode that a tenth as many receipts were held for (it posts them all):
   held movements posted per second, against accept;
3. ``verify`` afterwards: the ledger still matches stock.

The last line is ``summary key=value ...``; it never fails on timing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from server.demo import create_demo  # noqa: E402
from sync.conflicts import ConflictFilter, conflict_detail, list_conflicts  # noqa: E402
from sync.db import connect  # noqa: E402
from sync.local import post_local  # noqa: E402
from sync.resolutions import ResolutionRequest, resolve  # noqa: E402
from sync.rules import Rules  # noqa: E402
from sync.schema import migrate  # noqa: E402
from sync.verify import verify  # noqa: E402


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--conflicts", type=int, default=None)
    args = parser.parse_args()
    n = args.conflicts or (2_000 if args.quick else 20_000)
    rules, rng = Rules(), random.Random(6)
    with tempfile.TemporaryDirectory() as tmp:
        conn = connect(Path(tmp) / "bench.db")
        migrate(conn)
        create_demo(conn)
        places = conn.execute(
            "SELECT i.sku, l.code, s.on_hand FROM stock s JOIN items i ON i.id = s.item_id"
            " JOIN locations l ON l.id = s.location_id"
            " WHERE l.kind IN ('pick', 'reserve') AND i.tracking = 'none' AND s.on_hand > 20"
        ).fetchall()
        started = time.perf_counter()
        for start in range(0, n, 500):
            batch = [rng.choice(places) for _ in range(min(500, n - start))]
            post_local(conn, [{"kind": "count", "item": sku, "to": code, "qty": on_hand // 3}
                              for sku, code, on_hand in batch], user="bench")  # fmt: skip
        batched_per_s = n / (time.perf_counter() - started)
        open_now = conn.execute("SELECT count(*) FROM conflicts WHERE state = 'open'").fetchone()[0]

        inbox, detail = [], []
        where = ConflictFilter()
        for _ in range(30):
            t = time.perf_counter()
            rows = list_conflicts(conn, where)
            inbox.append(time.perf_counter() - t)
        ids = [int(r["id"][2:]) for r in rows]
        for number in ids[:30]:
            t = time.perf_counter()
            conflict_detail(conn, number)
            detail.append(time.perf_counter() - t)

        to_resolve = [r[0] for r in conn.execute(
            "SELECT id FROM conflicts WHERE state = 'open' ORDER BY random() LIMIT ?", (n // 10,)
        )]  # fmt: skip
        started = time.perf_counter()
        for number in to_resolve:
            resolve(conn, ResolutionRequest(number, "accept", "bench", "bench"), rules)
        resolve_per_s = len(to_resolve) / (time.perf_counter() - started)

        # "accept as counted now" (a count placed now) on as many, in the same run
        now_ids = [r[0] for r in conn.execute(
            "SELECT id FROM conflicts WHERE state = 'open' ORDER BY random() LIMIT ?", (n // 10,)
        )]  # fmt: skip
        started = time.perf_counter()
        for number in now_ids:
            resolve(conn, ResolutionRequest(number, "accept_counted_now", "bench", "bench"), rules)
        counted_now_per_s = len(now_ids) / (time.perf_counter() - started)

        # one map of an unknown barcode posts every movement held for it
        dock = conn.execute("SELECT code FROM locations WHERE kind = 'receiving'").fetchone()[0]
        for start in range(0, n // 10, 500):
            post_local(conn, [{"kind": "receive", "item": "BENCH-UNKNOWN-1", "to": dock, "qty": 1}
                              for _ in range(min(500, n // 10 - start))], user="bench")  # fmt: skip
        first = conn.execute(
            "SELECT min(id) FROM conflicts WHERE code = 'UNKNOWN_ITEM' AND state = 'open'"
        ).fetchone()[0]
        started = time.perf_counter()
        mapped = resolve(conn, ResolutionRequest(first, "map", "bench", "bench",
                                                 item=places[0][0]), rules)  # fmt: skip
        map_posted = 1 + len(mapped.get("also_mapped", []))
        map_posts_per_s = map_posted / (time.perf_counter() - started)

        singles = [rng.choice(places) for _ in range(len(to_resolve))]
        started = time.perf_counter()
        for sku, code, _ in singles:
            post_local(conn, [{"kind": "transfer", "item": sku, "from": code, "to": code,
                               "qty": 1}], user="bench")  # fmt: skip
        single_per_s = len(singles) / (time.perf_counter() - started)
        problems = verify(conn)
        conn.close()

    inbox_p50, inbox_p95 = _ms(inbox)
    detail_p50, detail_p95 = _ms(detail)
    print(f"{n} counts pushed in batches of 500: {batched_per_s:.0f}/s; {open_now} open conflicts")
    print(f"inbox of 200 (attention order): p50 {inbox_p50:.1f} ms, p95 {inbox_p95:.1f} ms")
    print(f"conflict detail: p50 {detail_p50:.1f} ms, p95 {detail_p95:.1f} ms")
    print(f"accept, one transaction each: {resolve_per_s:.0f}/s;"
          f" single-movement post_local: {single_per_s:.0f}/s")  # fmt: skip
    print(f"accept as counted now: {counted_now_per_s:.0f}/s; one map posted {map_posted}"
          f" held movements at {map_posts_per_s:.0f}/s")  # fmt: skip
    print(
        f"summary conflicts={open_now} inbox_p50_ms={inbox_p50:.1f} inbox_p95_ms={inbox_p95:.1f}"
        f" detail_p50_ms={detail_p50:.1f} resolutions={len(to_resolve)}"
        f" resolve_per_s={resolve_per_s:.0f} single_post_per_s={single_per_s:.0f}"
        f" ratio_resolve_to_single_post={resolve_per_s / single_per_s:.2f}"
        f" counted_now_per_s={counted_now_per_s:.0f}"
        f" ratio_counted_now_to_accept={counted_now_per_s / resolve_per_s:.2f}"
        f" map_posted={map_posted} map_posts_per_s={map_posts_per_s:.0f}"
        f" ratio_map_post_to_accept={map_posts_per_s / resolve_per_s:.2f}"
        f" batched_counts_per_s={batched_per_s:.0f} verify={'ok' if not problems else 'FAILED'}"
    )


if __name__ == "__main__":
    main()
