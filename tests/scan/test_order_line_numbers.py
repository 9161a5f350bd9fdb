"""A scanned order line whose number is no line number: an unknown code, not a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import zxingcpp
from orders.orderdata import order
from photos import encode
from PIL import Image
from starlette.testclient import TestClient
from zxingcpp import BarcodeFormat

from server.database import Store
from server.users import User

ORDER = order("W-1", ("SKU-1", 3))


@pytest.mark.parametrize(
    ("line", "fmt"),
    [("99999999999999999999", BarcodeFormat.Code128), ("١", BarcodeFormat.QRCode)],
)
def test_a_scanned_order_line_that_is_no_number_names_no_line(
    client: TestClient,
    warehouse: Store,
    logged_in: Callable[..., User],
    scan: Callable[..., Any],
    line: str,
    fmt: BarcodeFormat,
) -> None:
    logged_in("supervisor")
    number = client.post("/api/orders", json=ORDER).json()["number"]
    text = f"{number}/{line}"
    image = Image.fromarray(np.asarray(zxingcpp.create_barcode(text, fmt).to_image(scale=4)))
    res = scan(encode(image, "PNG"))
    assert res.status_code == 200, res.text
    [code] = res.json()["codes"]
    assert code["text"] == text
    found = code["resolution"]
    assert (found["kind"], found["matched"]) == ("unknown", False)
    assert found["message"] == f"order {number} has no line {line}"
