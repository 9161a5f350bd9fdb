"""Push benchmark: devices pushing a realistic mix to a live server, end to end.

    .venv/bin/python tests/bench/sync_push.py            # 200,000 movements, 1M ledger rows
    .venv/bin/python tests/bench/sync_push.py --quick    # smoke run, well under 30 s

What it does, in order (only step 5 is timed as the headline figure):

1. A fresh database in a temporary directory: one warehouse with 1,000 items
   (EAN-13 each, GTIN-14 case of 12), 1,000 pick bins, 1,000 reserve bins, a
   dock and 200 totes; then 30 days of history, about ``--seed-ledger-rows``
   ledger rows, written in bulk through ``sync.posting.Poster`` (so movements,
   ledger, stock projection and counters are what the server itself writes)
   with the secondary indexes made after the load, in a child process: about
   half a minute for a million rows (through sync.push, at 3-5k movements/s
   in-process here, it would take two to three minutes).
2. ``--devices`` devices registered; each works its own zone of items, as
   scanners on a floor do, and pulls the stock it starts from.
3. Every request body is built before timing: batches of 200 movements, each
   with the mix receive 10 %, putaway 20 %, pick 45 %, transfer 15 %, count
   10 %, consistent with a model of stock (picks come from stocked bins,
   counts count what the bin holds).  ``basis`` is the server_seq the device
   would have pulled ``--basis-lag`` batches ago; ``device_time`` is stamped
   when the batch is sent.
4. A raw ``sqlite3`` ``executemany`` of the same movement rows (decoded from
   the very request bodies; same table definition, same payloads, 200 per
   transaction, WAL) into a fresh file: the baseline, run in a child process
   before and after the push; the better run counts.
5. uvicorn (uvloop, httptools) on 127.0.0.1 in a subprocess; one thread per
   device with a keep-alive ``http.client`` connection pushes its batches,
   all devices at once.  Per-batch latency and total wall time are measured.
6. Some batches are sent again: every result must come back ``replayed``,
   identical, and nothing in the database may change.
7. The server is stopped; the database is checked: every movement stored
   exactly once, the ledger rows each movement should have, and
   ``sync.verify.verify`` clean.

Machines are noisy: compare ``ratio_to_raw`` (measured side by side in the
same run) rather than absolute rates across runs.  The benchmark never fails
on timing; it exits 1 only when a correctness check fails.  Its last line is
``summary key=value ...``.

The parts, beside this entry point (leading ``_``, so ``make bench`` runs only this):
``_push_site`` the warehouse and its catalog, ``_push_floor`` the floor model,
``_push_seed`` the history, ``_push_load`` the request bodies, ``_push_baseline`` the
raw executemany, ``_push_client`` the server and the devices, ``_push_checks`` the
database checks.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from _push_baseline import raw_executemany  # noqa: E402
from _push_checks import check_exactly_once, db_totals  # noqa: E402
from _push_client import (  # noqa: E402
    cpu_seconds,
    io_bytes,
    main_thread_cpu_seconds,
    peak_rss_mb,
    push_everything,
    replay,
    start_server,
    stop_server,
)
from _push_load import build_load  # noqa: E402
from _push_seed import seed  # noqa: E402
from _push_site import BATCH  # noqa: E402

from sync.clock import now_ms  # noqa: E402
from sync.db import connect  # noqa: E402
from sync.verify import verify  # noqa: E402

TARGET_PER_S = 20_000


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def _fmt_counter(counter: Iterable[tuple[str, int]], total: int | None = None) -> str:
    parts = []
    for name, n in counter:
        parts.append(f"{name} {n:,}" + (f" ({100 * n / total:.1f} %)" if total else ""))
    return ", ".join(parts) or "none"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movements", type=int, default=200_000, help="total to push")
    parser.add_argument("--devices", type=int, default=4, help="devices pushing at once")
    parser.add_argument(
        "--seed-ledger-rows",
        type=int,
        default=1_000_000,
        help="ledger rows of history before the push",
    )
    parser.add_argument(
        "--basis-lag", type=int, default=2, help="batches between a device's last pull and its push"
    )
    parser.add_argument(
        "--replay-batches", type=int, default=3, help="batches per device sent twice"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed of the load")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small numbers for a smoke run (16,000 movements, 100k ledger rows)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args(argv)
    if args.quick:
        args.movements, args.seed_ledger_rows = 16_000, 100_000
    if args.devices < 1 or args.movements < args.devices:
        parser.error("need at least one device and one movement per device")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    directory = Path(tempfile.mkdtemp(prefix="shelfsync-bench-"))
    try:
        return _run(args, directory)
    finally:
        if args.keep:
            print(f"kept: {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


def _run(args: argparse.Namespace, directory: Path) -> int:
    db = directory / "bench.db"
    per_device = args.movements // args.devices
    print(
        f"shelfsync push benchmark: {args.devices} devices x {per_device:,} movements,"
        f" batches of {BATCH}, {args.seed_ledger_rows:,} ledger rows of history",
        flush=True,
    )

    setup_started = time.perf_counter()
    child = multiprocessing.get_context("fork").Process(
        target=seed, args=(db, args.seed_ledger_rows, args.seed, now_ms() - 3 * 86_400_000)
    )
    child.start()
    child.join()
    if child.exitcode != 0:
        print(f"setup failed (exit {child.exitcode})")
        return 1
    load = build_load(db, args.devices, per_device, args.basis_lag, args.seed)
    conn = connect(db, readonly=True)
    seed_movements = conn.execute("SELECT count(*) FROM movements").fetchone()[0]
    conn.close()
    print(
        f"setup: {time.perf_counter() - setup_started:.1f} s in all;"
        f" load {load.movements:,} movements: "
        + _fmt_counter(sorted(load.kinds.items()), load.movements),
        flush=True,
    )

    raw_rates = [raw_executemany(db, load, directory, 1)]

    proc, port = start_server(db, directory / "server.log")
    try:
        cpu_before = cpu_seconds(proc.pid), cpu_seconds(), main_thread_cpu_seconds(proc.pid)
        io_before = io_bytes(proc.pid)
        runs, wall = push_everything(load, port, args.replay_batches, random.Random(args.seed))
        server_cpu = cpu_seconds(proc.pid) - cpu_before[0]
        loop_cpu = main_thread_cpu_seconds(proc.pid) - cpu_before[2]
        io_after = io_bytes(proc.pid)
        written = [after - before for after, before in zip(io_after, io_before, strict=True)]
        client_cpu = cpu_seconds() - cpu_before[1]
        before = db_totals(db)
        replayed = 0
        not_replayed: list[str] = []
        different: list[str] = []
        for dev, run in zip(load.devices, runs, strict=True):
            sent, missed, differ = replay(dev, port, run)
            replayed += sent
            not_replayed += missed
            different += differ
        after = db_totals(db)
        if after != before:
            not_replayed.append(
                f"resends changed (server_seq, ledger rows, movements): {before} -> {after}"
            )
        server_rss = peak_rss_mb(proc.pid)
    finally:
        stop_server(proc)
    client_rss = peak_rss_mb()  # holds every request body, built before timing
    raw_rates.append(raw_executemany(db, load, directory, 2))

    checks_started = time.perf_counter()
    stored_problems, shapes = check_exactly_once(db, load)
    conn = connect(db, readonly=True)
    total_movements, ledger_rows = conn.execute(
        "SELECT (SELECT count(*) FROM movements), (SELECT count(*) FROM ledger)"
    ).fetchone()
    ledger_problems = verify(conn)
    conn.close()
    if total_movements != seed_movements + load.movements:
        stored_problems.append(
            f"{total_movements:,} movements stored, {seed_movements + load.movements:,} expected"
        )
    checks_s = time.perf_counter() - checks_started

    push_errors = [f"{dev.name}: {e}" for dev, run in zip(load.devices, runs, strict=True)
                   for e in run.errors]  # fmt: skip
    latencies = [x for run in runs for x in run.latencies]
    outcomes = sum((run.outcomes for run in runs), Counter[str]())
    conflicts = sum((run.conflicts for run in runs), Counter[str]())
    pushed = sum(outcomes.values())
    rate = pushed / wall
    raw_rate = max(raw_rates)
    p50, p99 = percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000
    once_ok = not (push_errors or not_replayed or stored_problems)

    print(
        f"push: {pushed:,} movements in {wall:.2f} s = {rate:,.0f} movements/s;"
        f" {len(latencies)} batches, {1000 * wall / max(1, len(latencies)):.1f} ms of wall time"
        f" each, {sum(r.retries for r in runs)} retried"
    )
    print(
        f"batch latency: p50 {p50:.1f} ms, p90 {percentile(latencies, 90) * 1000:.1f} ms,"
        f" p99 {p99:.1f} ms, max {percentile(latencies, 100) * 1000:.1f} ms"
        f" ({len(load.devices)} devices waiting on one writer)"
    )
    print(
        f"outcomes: {_fmt_counter(outcomes.most_common(), pushed)};"
        f" conflicts: {_fmt_counter(conflicts.most_common())}"
    )
    print(
        f"resent: {replayed:,} movements; "
        + ("all replayed, nothing changed" if not not_replayed else f"{len(not_replayed)} problems")
        + ("; answers identical" if not different else f"; {len(different)} answers differ")
    )
    print(
        f"raw executemany: {' and '.join(f'{r:,.0f}' for r in raw_rates)} rows/s"
        f" (before and after; the better counts); ratio to raw {rate / raw_rate:.3f}"
    )
    print(f"peak rss: server {server_rss:.1f} MB, client {client_rss:.1f} MB")
    print(
        f"cpu during the push: server {server_cpu:.2f} s ({100 * server_cpu / wall:.0f} % of a"
        f" core), devices {client_cpu:.2f} s ({100 * client_cpu / wall:.0f} %),"
        f" {1e6 * server_cpu / max(1, pushed):.0f} us of server cpu per movement,"
        f" {100 * loop_cpu / max(1e-9, server_cpu):.0f} % of it in the event loop's thread"
        " (HTTP, decoding), the rest in the writer's and the checkpoint's"
    )
    print(
        "ledger rows per movement: "
        + ", ".join(
            f"{kind}/{state} {entries}: {n:,}"
            for (kind, state, entries), n in sorted(shapes.items())
        )
    )
    print(
        f"database: {total_movements:,} movements, {ledger_rows:,} ledger rows;"
        f" checked in {checks_s:.1f} s"
    )
    print(
        f"server writes during the push: {written[0] / max(1, pushed) / 1024:.1f} KiB per movement"
        f" to files (WAL frames and checkpoints), {written[1] / max(1, pushed) / 1024:.1f} KiB"
        " per movement to the disk"
    )
    problems = push_errors + not_replayed + stored_problems + different + ledger_problems
    for problem in problems[:20]:
        print(f"PROBLEM: {problem}")
    if len(problems) > 20:
        print(f"PROBLEM: ... and {len(problems) - 20} more")

    summary = {
        "movements": pushed,
        "devices": len(load.devices),
        "batch": BATCH,
        "seed_ledger_rows": args.seed_ledger_rows,
        "movements_per_s": round(rate),
        "p50_batch_ms": round(p50, 1),
        "p99_batch_ms": round(p99, 1),
        "server_peak_rss_mb": round(server_rss, 1),
        "client_peak_rss_mb": round(client_rss, 1),
        "server_cpu_us_per_movement": round(1e6 * server_cpu / max(1, pushed)),
        "server_cores": round(server_cpu / wall, 2),
        "server_loop_cpu_share": round(loop_cpu / max(1e-9, server_cpu), 3),
        "client_cpu_share": round(client_cpu / (client_cpu + server_cpu), 3),
        "server_written_kib_per_movement": round(written[0] / max(1, pushed) / 1024, 2),
        "raw_executemany_per_s": round(raw_rate),
        "ratio_to_raw": round(rate / raw_rate, 3),
        "target_per_s": TARGET_PER_S,
        "target_ratio": round(rate / TARGET_PER_S, 3),
        "exactly_once": "ok" if once_ok else "FAIL",
        "replay_identical": "ok" if not different else "FAIL",
        "verify": "ok" if not ledger_problems else "FAIL",
    }
    print("summary " + " ".join(f"{k}={v}" for k, v in summary.items()), flush=True)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
