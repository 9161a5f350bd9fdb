"""Digits that are not ASCII 0-9 in an item import, and in GTINs.

"²" passes ``str.isdigit`` but not ``int``; "１２" and "١٢" pass both and read
as 12; a 19-digit number passes both but is past what SQLite stores.  None of
them is a pack quantity or a barcode's digits: each is a row's problem like
any other, named by row and column, and the file imports nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from server import cli
from sync.catalog import is_valid_gtin
from sync.db import connect
from sync.gs1 import parse_code

FULLWIDTH = "５９０１２３４１２３４５７"  # 5901234123457, a right GTIN in ASCII


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cli.db"
    assert cli.main(["init", "--db", str(path)]) == 0
    return path


@pytest.fixture
def conn(db: Path) -> Iterator[sqlite3.Connection]:
    opened = connect(db)
    yield opened
    opened.close()


def _import(db: Path, tmp_path: Path, barcodes: str) -> int:
    path = tmp_path / "items.csv"
    path.write_text(f"sku,name,barcodes\nS-1,Fine,5901234123457\nS-2,Bad,{barcodes}\n", "utf-8")
    return cli.main(["import", "items", str(path), "--db", str(db)])


@pytest.mark.parametrize(
    ("barcodes", "problem"),
    [
        ("CASEx²", "'CASEx²': the pack quantity after 'x' must be written with digits 0-9"),
        ("CASEx１２", "'CASEx１２': the pack quantity after 'x' must be written with digits 0-9"),
        ("CASEx١٢", "'CASEx١٢': the pack quantity after 'x' must be written with digits 0-9"),
        ("CASEx" + "9" * 19,
         f"'CASEx{'9' * 19}': the pack quantity after 'x' is too large (at most 18 digits)"),
        ("590123412345²", "590123412345²: a barcode's digits must be 0-9"),
        (FULLWIDTH, f"{FULLWIDTH}: a barcode's digits must be 0-9"),
        ("٥٩٠١٢٣٤١٢٣٤٥٧x6", "٥٩٠١٢٣٤١٢٣٤٥٧: a barcode's digits must be 0-9"),
    ],
    ids=["superscript-pack", "fullwidth-pack", "arabic-indic-pack", "19-digit-pack",
         "superscript-in-gtin", "fullwidth-gtin", "arabic-indic-gtin"],
)  # fmt: skip
def test_a_number_in_other_digits_is_a_row_problem_and_nothing_is_imported(
    db: Path,
    conn: sqlite3.Connection,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    barcodes: str,
    problem: str,
) -> None:
    assert _import(db, tmp_path, barcodes) == 1
    err = capsys.readouterr().err
    assert "1 problem(s) in the items file; nothing imported" in err
    assert f"row 3, column barcodes: {problem}" in err
    assert "invalid literal" not in err and "Traceback" not in err
    assert conn.execute("SELECT count(*) FROM items").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM item_barcodes").fetchone()[0] == 0


def test_ascii_pack_quantities_still_import(
    db: Path, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    assert _import(db, tmp_path, "15901234123454 x 12;CASEx" + "9" * 18) == 0
    rows = conn.execute("SELECT code, pack_qty FROM item_barcodes ORDER BY code").fetchall()
    assert [tuple(r) for r in rows] == [
        ("15901234123454", 12),
        ("5901234123457", 1),
        ("CASE", 10**18 - 1),
    ]


@pytest.mark.parametrize(
    "code",
    ["５９０１２３４１２３４５７", "٥٩٠١٢٣٤١٢٣٤٥٧", "590123412345²", "5901234123457²"],
    ids=["fullwidth", "arabic-indic", "superscript-check-digit", "superscript-14th"],
)
def test_only_ascii_digits_make_a_gtin(code: str) -> None:
    assert is_valid_gtin(code) is False
    for symbology in (None, "]E0"):
        assert parse_code(code, symbology).carried() == {}


@pytest.mark.parametrize(
    ("text", "symbology"),
    [
        ("01٠٥٩٠١٢٣٤١٢٣٤٥٧", "]C1"),  # the GTIN in Arabic-Indic digits
        ("0105901234123457" + "30١٢", "]C1"),  # a count of "١٢"
        ("0105901234123457" + "30١٢", None),
        ("https://id.example.com/01/05901234123457?30=١٢", None),
    ],
    ids=["gtin", "count", "count-no-identifier", "digital-link-count"],
)
def test_an_element_string_with_other_digits_is_not_gs1_data(
    text: str, symbology: str | None
) -> None:
    found = parse_code(text, symbology)
    assert (found.kind, found.carried()) == ("none", {})


def test_ascii_gtins_and_counts_are_read_as_before() -> None:
    assert is_valid_gtin("5901234123457") is True
    assert parse_code("5901234123457").carried() == {"gtin": "05901234123457"}
    assert parse_code("0105901234123457" + "3712", "]C1").carried() == {
        "gtin": "05901234123457",
        "count": 12,
    }
