"""Where a push's time goes, in process: each SQL statement's share per movement.

    .venv/bin/python tests/bench/_push_profile.py            # 1M ledger rows, 100,000 movements
    .venv/bin/python tests/bench/_push_profile.py --quick    # 100k rows, 16,000 movements

A profiling aid beside ``sync_push.py`` (leading ``_``: ``make bench`` does not
run it).  It builds the same database and request bodies as the benchmark,
then merges every batch through ``sync.push.push`` in this process, one
transaction per batch, with a WAL checkpoint thread and the memory map as the
server has them, and no HTTP.  Every ``execute`` and ``executemany`` is timed
(rows fetched included), so the figures split a movement's cost into SQLite,
statement by statement, and the rest (the merge's Python and decoding).
Comparing ``inprocess_us_per_movement`` with the live benchmark's
``server_cpu_us_per_movement`` gives what HTTP and the thread hand-offs cost.
The timing wrapper itself adds a little to the Python share.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from _push_load import build_load  # noqa: E402
from _push_seed import seed  # noqa: E402

from sync.clock import now_ms  # noqa: E402
from sync.db import Checkpointer, connect  # noqa: E402
from sync.push import decode_push, push  # noqa: E402
from sync.rules import Rules  # noqa: E402
from sync.verify import verify  # noqa: E402


class _Rows:
    """What a timed SELECT returned, fetched whole so the fetch is timed too."""

    def __init__(self, rows: list[Any], cursor: sqlite3.Cursor) -> None:
        self._rows, self.rowcount, self.lastrowid = rows, cursor.rowcount, cursor.lastrowid

    def fetchone(self) -> Any:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[Any]:
        return self._rows

    def __iter__(self) -> Any:
        return iter(self._rows)


class TimedConnection:
    """A connection whose statements are timed, keyed by their first words."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self.seconds: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def _note(self, sql: str, started: float) -> None:
        key = " ".join(sql.split())[:72]
        self.seconds[key] += time.perf_counter() - started
        self.calls[key] += 1

    def execute(self, sql: str, *args: Any) -> Any:
        started = time.perf_counter()
        cursor = self._conn.execute(sql, *args)
        if cursor.description is None:
            self._note(sql, started)
            return cursor
        rows = _Rows(cursor.fetchall(), cursor)
        self._note(sql, started)
        return rows

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        started = time.perf_counter()
        cursor = self._conn.executemany(sql, rows)
        self._note(sql, started)
        return cursor


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--movements", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=4)
    parser.add_argument("--seed-ledger-rows", type=int, default=1_000_000)
    parser.add_argument("--basis-lag", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--top", type=int, default=15, help="statements to list")
    parser.add_argument("--quick", action="store_true", help="100k rows, 16,000 movements")
    args = parser.parse_args(argv)
    if args.quick:
        args.movements, args.seed_ledger_rows = 16_000, 100_000
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="shelfsync-profile-") as tmp:
        db = Path(tmp) / "profile.db"
        seed(db, args.seed_ledger_rows, args.seed, now_ms() - 3 * 86_400_000)
        load = build_load(db, args.devices, args.movements // args.devices, args.basis_lag,
                          args.seed)  # fmt: skip
        bodies = [dev.body(b) for b in range(max(len(d.head) for d in load.devices))
                  for dev in load.devices if b < len(dev.head)]  # fmt: skip
        conn = connect(db, mmap_mb=1024)
        conn.execute(f"PRAGMA wal_autocheckpoint = {Checkpointer.writer_autocheckpoint}")
        checkpointer = Checkpointer(db)
        checkpointer.start()
        timed, rules = TimedConnection(conn), Rules()
        decode_s = 0.0
        cpu_started, wall_started = time.process_time(), time.perf_counter()
        for body in bodies:
            started = time.perf_counter()
            request = decode_push(body)
            decode_s += time.perf_counter() - started
            push(timed, request, rules)  # type: ignore[arg-type]
        wall = time.perf_counter() - wall_started
        cpu = time.process_time() - cpu_started
        checkpointer.stop()
        problems = verify(conn)
        conn.close()
    moved = load.movements
    per = 1e6 / moved
    sql = sum(timed.seconds.values())
    print(f"{moved:,} movements in {len(bodies)} batches over {args.seed_ledger_rows:,} rows")
    print(f"{'us/movement':>12}  {'calls':>7}  statement")
    for key, seconds in timed.seconds.most_common(args.top):
        print(f"{seconds * per:12.2f}  {timed.calls[key]:7d}  {key}")
    commit = timed.seconds.get("COMMIT", 0.0)
    print(
        "summary"
        f" movements={moved} seed_ledger_rows={args.seed_ledger_rows}"
        f" inprocess_per_s={moved / wall:.0f}"
        f" inprocess_us_per_movement={wall * per:.1f}"
        f" cpu_us_per_movement={cpu * per:.1f}"
        f" sql_us_per_movement={sql * per:.1f}"
        f" commit_us_per_movement={commit * per:.1f}"
        f" decode_us_per_movement={decode_s * per:.1f}"
        f" other_us_per_movement={(wall - sql - decode_s) * per:.1f}"
        f" sql_share={sql / wall:.2f}"
        f" verify={'ok' if not problems else 'FAILED'}"
    )
    for problem in problems[:20]:
        print(f"verify: {problem}")
    return 0 if not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
