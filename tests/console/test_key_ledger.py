"""The ledger of one place around a server_seq, read through the bucketed index,
agrees with a plain scan of the ledger — across many buckets."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sync.catalog import add_item, add_location, add_warehouse
from sync.db import connect, write_transaction
from sync.key_ledger import around
from sync.local import post_local
from sync.schema import migrate


def _scan(conn: sqlite3.Connection, key: tuple[int, int, str], upto: int) -> int:
    row = conn.execute(
        "SELECT coalesce(sum(qty), 0) FROM ledger NOT INDEXED"
        " WHERE item_id = ? AND location_id = ? AND lot = ? AND server_seq <= ?",
        (*key, upto),
    ).fetchone()
    return int(row[0])


def test_around_matches_a_scan(tmp_path: Path) -> None:
    conn = connect(tmp_path / "k.db")
    migrate(conn)
    with write_transaction(conn):
        add_warehouse(conn, "MAIN", "Main")
        add_location(conn, "DOCK", "receiving", warehouse="MAIN")
        for code in ("A-01", "A-02"):
            add_location(conn, code, "pick", warehouse="MAIN")
        add_item(conn, "SKU-1", "Bolt")
        add_item(conn, "SKU-2", "Nut")
    post_local(conn, [{"kind": "receive", "item": "SKU-1", "to": "A-01", "qty": 500}], user="t")
    # busy elsewhere: thousands of server_seqs (several 1,024-wide buckets) between
    # the few movements at A-01
    for n in range(6):
        post_local(conn, [{"kind": "receive", "item": "SKU-2", "to": "A-02", "qty": 1}] * 700,
                   user="t")  # fmt: skip
        post_local(conn, [{"kind": "transfer", "item": "SKU-1", "from": "A-01", "to": "DOCK",
                           "qty": n + 1}], user="t")  # fmt: skip
    ids = conn.execute("SELECT id FROM items WHERE sku = 'SKU-1'").fetchone()[0]
    bin_id = conn.execute("SELECT id FROM locations WHERE code = 'A-01'").fetchone()[0]
    key = (ids, bin_id, "")
    seqs = [r[0] for r in conn.execute(
        "SELECT server_seq FROM ledger WHERE item_id = ? AND location_id = ? ORDER BY server_seq",
        (ids, bin_id))]  # fmt: skip
    assert len(seqs) == 7 and seqs[-1] - seqs[0] > 3 * 1024
    for seq in seqs:
        entries, stock = around(conn, key, seq, count=3)
        assert stock == {"before": _scan(conn, key, seq - 1), "after": _scan(conn, key, seq),
                         "now": 500 - 21}  # fmt: skip
        index = seqs.index(seq)
        assert [e["server_seq"] for e in entries] == seqs[max(0, index - 3) : index + 4]
        assert [e["balance"] for e in entries] == [_scan(conn, key, e["server_seq"])
                                                   for e in entries]  # fmt: skip
    conn.close()
