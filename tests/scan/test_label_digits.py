"""Item labels print only unit barcodes in ASCII digits.

A barcode in other digits ("５９０…" or "٠٣٦…", which ``str.isdigit`` takes)
can be in the catalog from before imports and mappings refused it, or from a
hand edit.  No EAN-13 holds such digits, nor a wrong check digit: the item is
left out like one without an EAN-13, and the sheet prints the rest (it was a
500).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from server.database import Store
from server.users import User
from sync.catalog import add_item
from sync.local import post_local
from sync.meta import bump_catalog_version


def _old_item(store: Store, sku: str, name: str, code: str) -> None:
    """An item whose barcode row was written before the barcode rule (as is)."""

    def write(conn: sqlite3.Connection) -> None:
        item_id = add_item(conn, sku, name)
        conn.execute(
            "INSERT INTO item_barcodes(code, item_id, pack_qty) VALUES (?, ?, 1)", (code, item_id)
        )
        bump_catalog_version(conn)

    store.transact(write)


def _contents(html: str) -> list[str]:
    return re.findall(r'<article class="label label-\w+" data-content="([^"]*)"', html)


@pytest.mark.parametrize(
    "code",
    ["５９０１２３４１２３４６４", "٠٣٦٠٠٠٢٩١٤٥٢", "٥٩٠١٢٣٤١٢٣٤٦٤", "5901234123465"],
    ids=["fullwidth-ean-13", "arabic-indic-upc-a", "arabic-indic-ean-13", "wrong-check-digit"],
)
def test_a_unit_barcode_in_other_digits_is_left_out(
    client: TestClient,
    warehouse: Store,
    logged_in: Callable[..., User],
    code: str,
) -> None:
    _old_item(warehouse, "SKU-3", "Nut", code)
    logged_in("supervisor")
    page = client.get("/labels", params={"kind": "item"})
    assert page.status_code == 200, page.text
    assert _contents(page.text) == ["5901234123457", "4006381333931"]
    assert "2 left out (no EAN-13 unit barcode" in page.text  # SKU-3 and SKU-LOT


def test_a_lot_of_an_item_whose_barcode_is_in_other_digits_is_left_out(
    client: TestClient, warehouse: Store, logged_in: Callable[..., User]
) -> None:
    _old_item(warehouse, "SKU-LOT", "Epoxy glue", "٤٠٠٦٣٨١٣٣٣٩٤٨")
    warehouse.write(
        post_local,
        [{"kind": "receive", "item": "SKU-LOT", "to": "A-02", "qty": 5, "lot": "L1",
          "expiry": "2027-12-31"}],
        user="setup",
    )  # fmt: skip
    logged_in("supervisor")
    page = client.get("/labels", params={"kind": "lot"})
    assert page.status_code == 200, page.text
    assert _contents(page.text) == []
    assert "1 left out" in page.text
