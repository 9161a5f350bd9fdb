"""CSV import of items and locations, export of stock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.csv_io import export_stock, import_items, import_locations, parse_barcodes
from sync.catalog import add_item
from sync.db import connect, write_transaction
from sync.errors import InvalidRequest
from sync.local import post_local
from sync.schema import migrate

ITEMS_HEADER = (
    "sku,name,unit,tracking,expiry_tracked,reorder_point,reorder_qty,item_class,unit_cost,barcodes"
)


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = connect(tmp_path / "csv.db")
    migrate(conn)
    yield conn
    conn.close()


def write(tmp_path: Path, text: str, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def problems(exc: pytest.ExceptionInfo[InvalidRequest]) -> list[str]:
    return [exc.value.message, *exc.value.errors]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5901234123457", [("5901234123457", 1)]),
        ("5901234123457;15901234123454x12", [("5901234123457", 1), ("15901234123454", 12)]),
        (" 5901234123457 ; 15901234123454 x 24 ;", [("5901234123457", 1), ("15901234123454", 24)]),
        ("INT-0042", [("INT-0042", 1)]),
        ("box-7", [("box-7", 1)]),
        ("", []),
    ],
)
def test_parse_barcodes(text: str, expected: list[tuple[str, int]]) -> None:
    assert parse_barcodes(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5901234123458", "check digit is wrong"),
        ("15901234123455x12", "check digit is wrong"),
        ("5901234123457xten", "must be a whole number"),
        ("5901234123457x0", "at least 1"),
        ("x12", "expected CODE or CODExPACK"),
        ("5901234123457;5901234123457x6", "listed twice"),
    ],
)
def test_parse_barcodes_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_barcodes(text)


def test_import_items(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{ITEMS_HEADER}\n"
        "SKU-1,Hex bolt M8×40,box,none,no,10,50,A,4.25,5901234123457;15901234123454x12\n"
        'SKU-2,"Gloves, nitrile L",box,lot,yes,,,c,,\n'
        "\n",
        encoding="utf-8-sig",  # a byte-order mark, as Excel writes it
    )
    assert import_items(conn, path) == 2
    rows = conn.execute(
        "SELECT sku, name, unit, tracking, expiry_tracked, reorder_point, reorder_qty,"
        " item_class, unit_cost FROM items ORDER BY sku"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("SKU-1", "Hex bolt M8×40", "box", "none", 0, 10, 50, "A", 4.25),
        ("SKU-2", "Gloves, nitrile L", "box", "lot", 1, None, None, "C", None),
    ]
    barcodes = conn.execute("SELECT code, pack_qty FROM item_barcodes ORDER BY code").fetchall()
    assert [tuple(r) for r in barcodes] == [("15901234123454", 12), ("5901234123457", 1)]


def test_import_items_updates_by_sku(conn: sqlite3.Connection, tmp_path: Path) -> None:
    import_items(conn, write(tmp_path, "sku,name\nSKU-1,Old name\n"))
    import_items(conn, write(tmp_path, "name,sku\nNew name,SKU-1\n"))
    assert conn.execute("SELECT name FROM items").fetchall()[0][0] == "New name"
    assert count(conn, "items") == 1


def test_a_bad_row_imports_nothing_and_names_row_and_column(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        f"{ITEMS_HEADER}\n"
        "SKU-1,Fine,ea,none,no,1,1,A,1,\n"
        "SKU-2,Bad,ea,none,no,ten,1,A,1,\n"
        "SKU-3,,ea,bogus,maybe,1,1,A,-2,5901234123458\n",
    )
    with pytest.raises(InvalidRequest) as exc:
        import_items(conn, path)
    assert exc.value.errors == [
        "row 3, column reorder_point: expected a whole number >= 0, not 'ten'",
        "row 4, column name: required",
        "row 4, column tracking: 'bogus' is not one of none, lot, serial",
        "row 4, column expiry_tracked: expected yes or no (1 or 0), not 'maybe'",
        "row 4, column unit_cost: must be a number >= 0, not '-2'",
        "row 4, column barcodes: 5901234123458: the GTIN check digit is wrong",
    ]
    assert "nothing imported" in exc.value.message
    assert count(conn, "items") == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("sku,name\n", "no rows"),
        ("sku,nmae\nSKU-1,x\n", "unknown column 'nmae'; missing column 'name'"),
        ("sku,name,sku\nSKU-1,a,b\n", "column 'sku' appears twice"),
        ("sku,name\nSKU-1,a,b\n", "row 2: 3 values but the header has 2 columns"),
        ("sku,name\nSKU-1,a\nSKU-1,b\n", "row 3, column sku: SKU-1 is also on row 2"),
        (
            "sku,name,barcodes\nA,a,5901234123457\nB,b,5901234123457x6\n",
            "row 3, column barcodes: 5901234123457 is also on row 2",
        ),
    ],
)
def test_import_items_refuses(
    conn: sqlite3.Connection, tmp_path: Path, text: str, message: str
) -> None:
    with pytest.raises(InvalidRequest) as exc:
        import_items(conn, write(tmp_path, text))
    assert any(message in line for line in problems(exc)), problems(exc)
    assert count(conn, "items") == 0


def test_a_row_the_catalog_refuses_rolls_back_the_whole_file(
    conn: sqlite3.Connection, tmp_path: Path
) -> None:
    with write_transaction(conn):
        add_item(conn, "OLD", "Already here", barcodes=[("5901234123457", 1)])
    path = write(tmp_path, "sku,name,barcodes\nNEW-1,One,\nNEW-2,Two,5901234123457\n")
    with pytest.raises(InvalidRequest, match="row 3: barcode: 5901234123457 already belongs"):
        import_items(conn, path)
    assert [r[0] for r in conn.execute("SELECT sku FROM items")] == ["OLD"]


def test_not_utf8_and_missing_files(conn: sqlite3.Connection, tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="not UTF-8"):
        import_items(conn, write(tmp_path, "sku,name\nS-1,Café\n", encoding="latin-1"))
    with pytest.raises(InvalidRequest, match="No such file"):
        import_items(conn, tmp_path / "missing.csv")


def test_import_locations_creates_warehouses(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "code,barcode,kind,warehouse,zone,pick_seq\n"
        "A-01-01,LA0101,pick,NORTH,A,10\n"
        "DOCK-9,,Receiving,NORTH,,\n"
        "X-1,,reserve,,,\n",
    )
    assert import_locations(conn, path) == 3
    rows = conn.execute(
        "SELECT l.code, l.barcode, l.kind, w.code, l.zone, l.pick_seq FROM locations l"
        " LEFT JOIN warehouses w ON w.id = l.warehouse_id WHERE l.kind != 'virtual'"
        " ORDER BY l.code"
    ).fetchall()
    assert [tuple(r) for r in rows] == [
        ("A-01-01", "LA0101", "pick", "NORTH", "A", 10),
        ("DOCK-9", None, "receiving", "NORTH", None, None),
        ("X-1", None, "reserve", None, None, None),
    ]


def test_import_locations_refuses_bad_rows(conn: sqlite3.Connection, tmp_path: Path) -> None:
    path = write(tmp_path, "code,kind,pick_seq\nOK-1,pick,1\nV-1,virtual,1\nP-1,pick,-5\n")
    with pytest.raises(InvalidRequest) as exc:
        import_locations(conn, path)
    assert exc.value.errors[0].startswith("row 3, column kind: 'virtual' is not one of receiving")
    assert exc.value.errors[1] == "row 4, column pick_seq: expected a whole number >= 0, not '-5'"
    assert count(conn, "warehouses") == 0
    assert count(conn, "locations WHERE kind != 'virtual'") == 0


def test_export_stock_lists_real_locations(conn: sqlite3.Connection, tmp_path: Path) -> None:
    import_locations(
        conn,
        write(tmp_path, "code,kind,warehouse,pick_seq\nDOCK-1,receiving,W,\nA-1,pick,W,10\n"),
    )
    import_items(conn, write(tmp_path, "sku,name,tracking\nS-1,One,none\nS-2,Two,lot\n", "i.csv"))
    results = post_local(
        conn,
        [
            {"kind": "receive", "item": "S-1", "to": "DOCK-1", "qty": 5},
            {"kind": "putaway", "item": "S-1", "from": "DOCK-1", "to": "A-1", "qty": 5},
            {"kind": "receive", "item": "S-2", "to": "DOCK-1", "qty": 7, "lot": "L1"},
        ],
        user="test",
    )
    assert [r["outcome"] for r in results] == ["applied"] * 3
    out = tmp_path / "stock.csv"
    assert export_stock(conn, out) == 2
    assert out.read_text().splitlines() == [
        "item,location,lot,on_hand",
        "S-1,A-1,,5",
        "S-2,DOCK-1,L1,7",
    ]
    assert not list(tmp_path.glob(".*partial"))
