"""``shelfsync import orders FILE.csv``: rows grouped into orders, every row checked
first, problems named by row and column, one bad row imports nothing, idempotent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server import cli
from server.database import Store
from server.users import User

HEADER = ("channel,external_ref,customer,ship_name,ship_line1,ship_city,ship_postcode,"
          "ship_country,item,qty,priority,payment_status")  # fmt: skip
GOOD = f"""{HEADER}
shop,W-1,Ada Lovelace,Ada,1 Dock Road,Leeds,LS1 1AA,GB,SKU-1,3,2,paid
shop,W-1,,,,,,,5901234123457,2,,
shop,W-2,Bob,Bob,2 Quay St,York,YO1 1AA,GB,SKU-2,60,,
phone,W-1,Cy,Cy,3 Mill Lane,Hull,HU1 1AA,GB,15901234123454,1,,
"""


@pytest.fixture
def manager(warehouse: Store, logged_in: Callable[..., User]) -> User:
    return logged_in("supervisor")


def run(db: Path, tmp_path: Path, text: str) -> int:
    path = tmp_path / "orders.csv"
    path.write_text(text, encoding="utf-8")
    return cli.main(["import", "orders", str(path), "--db", str(db)])


def orders(store: Store) -> list[tuple[str, str, str, int]]:
    query = (
        "SELECT o.channel, o.external_ref, o.status, sum(ol.qty) FROM orders o"
        " JOIN order_lines ol ON ol.order_id = o.id GROUP BY o.id ORDER BY o.id"
    )
    rows = store.read(lambda c: c.execute(query).fetchall())
    return [tuple(r) for r in rows]


def test_rows_become_allocated_orders_and_a_second_import_changes_nothing(
    client: TestClient, manager: User, store: Store, db_path: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    assert run(db_path, tmp_path, GOOD) == 0
    out = capsys.readouterr().out
    assert out.startswith("imported 3 orders (4 rows) from ")
    assert out.rstrip().endswith(": 2 allocated, 1 backordered")
    assert orders(store) == [("shop", "W-1", "allocated", 5), ("shop", "W-2", "backordered", 60),
                             ("phone", "W-1", "allocated", 12)]  # fmt: skip
    made = client.get("/api/orders/SO-1").json()
    assert (made["customer"], made["priority"], made["payment_status"]) == ("Ada Lovelace", 2,
                                                                            "paid")  # fmt: skip
    assert [(ln["item"], ln["qty"], ln["reserved"]) for ln in made["lines"]] == [
        ("SKU-1", 3, 3), ("SKU-1", 2, 2)]  # fmt: skip
    assert made["history"][0]["by"] == "csv-import"
    assert run(db_path, tmp_path, GOOD) == 0  # the same file again
    assert "imported 0 orders (4 rows)" in capsys.readouterr().out
    assert len(orders(store)) == 3


def test_one_bad_row_imports_nothing_and_every_problem_names_row_and_column(
    manager: User, store: Store, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = GOOD + (
        "shop,W-3,Dee,Dee,4 Road,Leeds,LS1,GB,NOPE,1,,\n"
        "shop,W-2,Someone else,,,,,,SKU-2,ten,,\n"
        "shop,W-4,,Eve,5 Road,Leeds,LS1,GB,SKU-1,1,12,\n"
    )
    assert run(db_path, tmp_path, bad) == 1
    err = capsys.readouterr().err
    assert "nothing imported" in err
    for problem in (
        "row 6, column item: no item has SKU or barcode NOPE",
        "row 7, column qty: expected a whole number >= 0, not 'ten'",
        "row 8, column priority: 1 (most urgent) to 9, not '12'",
        "row 8, column customer: required on an order's first row",
    ):
        assert problem in err, err
    assert orders(store) == []


def test_rows_of_one_order_may_not_disagree(
    manager: User, store: Store, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        f"{HEADER}\nshop,W-9,Ada,Ada,1 Road,Leeds,LS1,GB,SKU-1,1,,\nshop,W-9,Bob,,,,,,SKU-2,1,,\n"
    )
    assert run(db_path, tmp_path, text) == 1
    assert "row 3, column customer: 'Bob' differs from 'Ada' on row 2 of shop order W-9" in (
        capsys.readouterr().err)  # fmt: skip
    assert orders(store) == []


def test_an_order_already_made_with_other_content_refuses_the_file(
    client: TestClient, manager: User, store: Store, db_path: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    assert run(db_path, tmp_path, GOOD) == 0
    changed = GOOD.replace("SKU-2,60", "SKU-2,61") + (
        "shop,W-5,Fay,Fay,6 Road,Leeds,LS1,GB,SKU-1,1,,\n")  # fmt: skip
    capsys.readouterr()
    assert run(db_path, tmp_path, changed) == 1
    err = capsys.readouterr().err
    assert (
        "row 4: shop order W-2 already exists as SO-2 with other content; nothing imported" in err
    )
    assert len(orders(store)) == 3  # W-5 was not made either


def test_a_file_with_a_wrong_header_says_which_columns(
    manager: User, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_path, tmp_path, "channel,external_ref,sku\nshop,1,SKU-1\n") == 1
    err = capsys.readouterr().err
    assert "row 1 (header)" in err and "unknown column 'sku'" in err
    assert "missing column 'item'" in err
