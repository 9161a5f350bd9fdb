"""Checking the database: totals, and every pushed movement stored exactly once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from _push_load import Load

from sync.db import connect

DELTA_KINDS = ("receive", "putaway", "pick", "transfer")


def db_totals(path: Path) -> tuple[int, int, int]:
    conn = connect(path, readonly=True)
    try:
        return (
            int(conn.execute("SELECT value FROM counters WHERE name = 'server_seq'").fetchone()[0]),
            int(conn.execute("SELECT count(*) FROM ledger").fetchone()[0]),
            int(conn.execute("SELECT count(*) FROM movements").fetchone()[0]),
        )
    finally:
        conn.close()


def check_exactly_once(path: Path, load: Load) -> tuple[list[str], Counter[tuple[str, str, int]]]:
    conn = connect(path, readonly=True)
    problems: list[str] = []
    shapes: Counter[tuple[str, str, int]] = Counter()
    try:
        for dev in load.devices:
            n = len(dev.ids)
            count, distinct, low, high = conn.execute(
                "SELECT count(*), count(DISTINCT id), min(seq), max(seq) FROM movements"
                " WHERE device_id = ?",
                (dev.device_id,),
            ).fetchone()
            if (count, distinct, low, high) != (n, n, 1, n):
                problems.append(
                    f"{dev.name}: {count} rows ({distinct} ids, seq {low}..{high}) for {n} pushed"
                )
            stored = {
                r[0]
                for r in conn.execute(
                    "SELECT id FROM movements WHERE device_id = ?", (dev.device_id,)
                )
            }
            if stored != set(dev.ids):
                problems.append(f"{dev.name}: stored ids differ from pushed ids")
            last_seq = conn.execute(
                "SELECT last_seq FROM devices WHERE id = ?", (dev.device_id,)
            ).fetchone()[0]
            if last_seq != n:
                problems.append(f"{dev.name}: device_last_seq {last_seq}, pushed {n}")
            aliases = conn.execute(
                "SELECT count(*) FROM seq_aliases WHERE device_id = ?", (dev.device_id,)
            ).fetchone()[0]
            if aliases:
                problems.append(f"{dev.name}: {aliases} seq aliases (resends stored again)")
            for kind, state, entries in conn.execute(
                "SELECT m.kind, m.state, (SELECT count(*) FROM ledger l"
                "  WHERE l.movement_seq = m.server_seq AND l.entry = m.kind)"
                " FROM movements m WHERE m.device_id = ?",
                (dev.device_id,),
            ):
                shapes[(kind, state, entries)] += 1
    finally:
        conn.close()
    for (kind, state, entries), n in sorted(shapes.items()):
        posted = state in ("applied", "flagged")
        expected = ({2} if kind in DELTA_KINDS else {1, 2}) if posted else {0}
        if entries not in expected:
            problems.append(f"{n} {state} {kind} movements have {entries} ledger rows each")
    return problems, shapes
