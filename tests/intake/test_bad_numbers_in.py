"""Numbers from outside (a signature's timestamp, a CSV cell) that are no number
we can use: refused with the message any other malformed value gets."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server import cli
from server.database import Store
from server.settings import Settings

SECRET = "whsec_test_5b1c0e"
HEADER = ("channel,external_ref,customer,ship_name,ship_line1,ship_city,ship_postcode,"
          "ship_country,item,qty,priority,payment_status")  # fmt: skip
ROW = "shop,W-1,Ada Lovelace,Ada,1 Dock Road,Leeds,LS1 1AA,GB,SKU-1,{qty},{priority},paid"


@pytest.fixture
def settings(db_path: Path) -> Settings:
    return Settings.from_env({}, db=db_path, payment_webhook_secret=SECRET)


def test_a_signature_timestamp_past_any_time_is_a_malformed_signature(
    client: TestClient, warehouse: Store
) -> None:
    header = f"t=1{'0' * 400},v1=00"  # once read, too big even to compare with the clock
    res = client.post("/api/webhooks/payment", content=b"{}",
                      headers={"Shelfsync-Signature": header})  # fmt: skip
    assert res.status_code == 401, res.text
    assert res.json()["message"] == (
        "malformed signature header: expected t=<unix time>,v1=<hex HMAC>"
    )


@pytest.mark.parametrize(("column", "qty", "priority"), [("qty", "²", ""), ("priority", "3", "²")])
def test_an_order_csv_number_that_is_no_number_names_its_row_and_column(
    warehouse: Store, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    column: str, qty: str, priority: str,
) -> None:  # fmt: skip
    path = tmp_path / "orders.csv"
    path.write_text(f"{HEADER}\n{ROW.format(qty=qty, priority=priority)}\n", encoding="utf-8")
    assert cli.main(["import", "orders", str(path), "--db", str(db_path)]) == 1
    err = capsys.readouterr().err
    assert f"row 2, column {column}: expected a whole number >= 0, not '²'" in err, err
    assert warehouse.read(lambda c: c.execute("SELECT count(*) FROM orders").fetchone()[0]) == 0
