"""The packing station's order field: a slip's line code is SO-13/1 in digits 0-9.

"SO-13/١" or "SO-13/１" is no line code (``str.isdigit`` takes them, no slip
prints them): the packer is asked for an order number, not told it is line
١ of SO-13.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from server.users import User


@pytest.mark.parametrize(
    ("typed", "told"),
    [
        ("SO-13/1", "SO-13/1 is an order line: scan or type the order number (SO-13)"),
        ("SO-13/١", "SO-13/١ is not an order number: scan or type one, like SO-13"),
        ("SO-13/１", "SO-13/１ is not an order number: scan or type one, like SO-13"),
        ("SO-13/²", "SO-13/² is not an order number: scan or type one, like SO-13"),
    ],
    ids=["ascii", "arabic-indic", "fullwidth", "superscript"],
)
def test_a_line_code_in_other_digits_is_not_an_order_line(
    client: TestClient, logged_in: Callable[..., User], typed: str, told: str
) -> None:
    logged_in("picker")
    res = client.get("/pack", params={"order": typed})
    assert res.status_code == 400
    assert told in res.text
    assert f'autofocus value="{typed}"' in res.text  # there to correct
