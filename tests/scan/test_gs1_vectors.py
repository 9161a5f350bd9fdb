"""The GS1 test vectors shared with the browser's parser: biip on the server agrees.

Every vector in ``tests/data/gs1_vectors.json`` is parsed by ``sync.gs1``
and must give exactly what ``expect`` lists — nothing more, nothing less.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sync.gs1 import parse_code

VECTORS_FILE = Path(__file__).resolve().parent.parent / "data" / "gs1_vectors.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text(encoding="utf-8"))["vectors"]


def test_there_are_vectors_for_every_field() -> None:
    keys = {k for v in VECTORS for k in v["expect"]}
    assert keys >= {"gtin", "lot", "expiry", "serial", "count", "net_weight_kg", "gtin_error"}


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    assert parse_code(vector["text"], vector["symbology"]).carried() == vector["expect"]


@pytest.mark.parametrize(
    ("text", "symbology"),
    [
        ("LA0101", "]C0"),  # a bin label
        ("TOTE-01", None),
        ("0105901234123457", "]C0"),  # digits in a plain Code 128 are not GS1 data
        ("SO-55", "]C0"),
        ("http://example.com/", "]Q1"),
    ],
)
def test_codes_that_are_not_gs1_data(text: str, symbology: str | None) -> None:
    assert parse_code(text, symbology).kind == "none"


def test_an_itf_14_is_a_case_gtin() -> None:
    assert parse_code("15901234123454", "]I0").carried() == {"gtin": "15901234123454"}
    assert parse_code("070429", "]I0").kind == "none"


def test_a_bad_check_digit_is_reported_not_corrected() -> None:
    found = parse_code("010590123412345810ABC", "]C1")
    assert found.gtin is None and found.gtin_error and "check digit" in found.gtin_error
    assert found.lot == "ABC"


@pytest.mark.parametrize(
    ("text", "carried"),
    [
        ("https://id.gs1.org/01/05901234123457/10/ABC123?17=271231",
         {"gtin": "05901234123457", "lot": "ABC123", "expiry": "2027-12-31"}),
        ("https://shop.example/01/05901234123458", {"gtin_error": True}),
        ("https://x.example/01/", {"gtin_error": True}),  # biip reads this as 14 zeros
    ],
)  # fmt: skip
def test_a_gs1_digital_link_carries_element_strings(text: str, carried: dict[str, Any]) -> None:
    for symbology in ("]Q1", None):
        assert parse_code(text, symbology).carried() == carried


def test_other_urls_and_zero_gtins_are_not_products() -> None:
    assert parse_code("https://example.com/menu", "]Q1").kind == "none"
    assert parse_code("00000000000000", "]I1").gtin is None
