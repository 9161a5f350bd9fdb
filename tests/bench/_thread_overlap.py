"""Can the push's two halves use both cores from one process?  Measured, not assumed.

    .venv/bin/python tests/bench/_thread_overlap.py            # 300 commits, 1,200 decodes
    .venv/bin/python tests/bench/_thread_overlap.py --quick    # a tenth of that

A diagnostic beside ``sync_push.py`` (leading ``_``: ``make bench`` does not
run it).  The server decodes pushes on its event loop's thread and merges
them on the writer's; SQLite gives up the interpreter lock while it works, so
the two could run side by side on two cores.  This times the two halves on
their own, then together in two threads of one process, then in two
processes:

- the writer's half: ``executemany`` of 200 rows shaped like the movement
  rows (three indexes, one commit each), the SQLite part of a push;
- the event loop's half: ``sync.movement.decode_push`` of a push body of 200
  movements, the Python part.

``threads_to_serial`` is the time of both in two threads over the sum of the
times alone: 1.0 means no overlap at all, 0.5 perfect overlap; the same for
``processes_to_serial``.  The summary line ends the output.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import msgspec

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from sync.movement import decode_push  # noqa: E402

BATCH = 200


def _body() -> bytes:
    movements = [
        {"id": str(uuid.uuid4()), "seq": n + 1, "kind": "pick", "user": "ana",
         "recorded_at": f"2026-11-23T09:{n // 60 % 60:02d}:{n % 60:02d}.331Z", "basis": 88120,
         "item": f"59012341{n:05d}", "from": f"A-{n % 40:02d}-2", "to": "TOTE-17", "qty": 1 + n % 5,
         "ref": {"order_line": f"SO-{n}/1", "task": f"PT-{n}"}}
        for n in range(BATCH)
    ]  # fmt: skip
    return msgspec.json.encode(
        {"protocol": 1, "device_id": str(uuid.uuid4()), "epoch": None,
         "device_time": "2026-11-23T10:00:00.000Z", "movements": movements}
    )  # fmt: skip


def decode(times: int) -> None:
    body = _body()
    for _ in range(times):
        decode_push(body)


def write(path: str, commits: int) -> None:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = wal")
    conn.execute("PRAGMA synchronous = normal")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS m(seq INTEGER PRIMARY KEY, id TEXT UNIQUE, device TEXT,"
        " n INTEGER, payload TEXT, UNIQUE(device, n))"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS m_status ON m(device, seq)")
    device = str(uuid.uuid4())
    start = conn.execute("SELECT coalesce(max(seq), 0) FROM m").fetchone()[0]
    payload = "x" * 330
    for c in range(commits):
        base = start + c * BATCH
        rows = [(base + k + 1, str(uuid.uuid4()), device, base + k, payload) for k in range(BATCH)]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO m VALUES (?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    conn.close()


def _timed(runs: list[Callable[[], None]], kind: str) -> float:
    maker = threading.Thread if kind == "thread" else multiprocessing.Process
    workers = [maker(target=run) for run in runs]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--decodes", type=int, default=1200)
    parser.add_argument("--quick", action="store_true", help="a tenth of the work")
    args = parser.parse_args(argv)
    if args.quick:
        args.commits, args.decodes = args.commits // 10, args.decodes // 10
    with tempfile.TemporaryDirectory(prefix="shelfsync-overlap-") as tmp:
        paths = iter(str(Path(tmp) / f"w{n}.db") for n in range(10))
        path = next(paths)
        write(path, 5)  # the table and its first pages, outside the timing

        def sql() -> None:
            write(path, args.commits)

        def py() -> None:
            decode(args.decodes)

        sql_s = _timed([sql], "thread")
        py_s = _timed([py], "thread")
        threads_s = _timed([sql, py], "thread")
        processes_s = _timed([sql, py], "process")
    serial = sql_s + py_s
    print(f"writer's half alone ({args.commits} commits of {BATCH} rows): {sql_s:.2f} s")
    print(f"event loop's half alone ({args.decodes} decodes of {BATCH} movements): {py_s:.2f} s")
    print(
        f"both, two threads of one process: {threads_s:.2f} s ({threads_s / serial:.2f} of serial)"
    )
    print(f"both, two processes: {processes_s:.2f} s ({processes_s / serial:.2f} of serial)")
    print(
        "summary"
        f" sql_alone_s={sql_s:.2f} python_alone_s={py_s:.2f} threads_s={threads_s:.2f}"
        f" processes_s={processes_s:.2f} threads_to_serial={threads_s / serial:.2f}"
        f" processes_to_serial={processes_s / serial:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
