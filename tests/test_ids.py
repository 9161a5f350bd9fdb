"""The number in an id or reference is read strictly: ASCII digits, at most 18."""

from __future__ import annotations

import pytest

from sync.ids import parse_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("17", 17),
        ("007", 7),
        ("0", 0),
        ("9" * 18, 999_999_999_999_999_999),  # still a SQLite INTEGER
        ("9" * 19, None),
        ("", None),
        ("²", None),  # isdigit() says yes, int() says no
        ("١", None),  # Arabic-Indic one: int() would read it as 1
        ("-1", None),
        ("+1", None),
        (" 1", None),
        ("1_000", None),
        ("1.0", None),
    ],
)
def test_parse_number(text: str, number: int | None) -> None:
    assert parse_number(text) == number
