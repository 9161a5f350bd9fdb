"""Reading a CSV file for an import: the header checked, each row's columns
parsed on their own and every problem collected, named by row (the header is
row 1, as in a spreadsheet) and column.  Used by the catalog import
(``csv_io``) and the order import (``csv_orders``)."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sync.errors import InvalidRequest
from sync.ids import parse_number

__all__ = ["MAX_ERRORS", "Row", "read_rows", "bounded_text", "whole", "choice"]

MAX_ERRORS = 50


class Row:
    """One data row: each column parsed on its own, every problem collected."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.problems: list[str] = []

    def get(self, column: str, parse: Callable[[str], Any]) -> Any:
        try:
            return parse(self.values[column])
        except ValueError as exc:
            self.problems.append(f"column {column}: {exc}")
            return None


def read_rows(
    path: str | Path, columns: tuple[str, ...], required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: stripped text}) for each data row; checks the header."""
    try:
        handle = open(path, newline="", encoding="utf-8-sig")  # noqa: SIM115
    except OSError as exc:
        raise InvalidRequest(f"{path}: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader, [])]
            if not header:
                raise InvalidRequest(f"{path}: the file is empty (expected a header row)")
            unknown = [h for h in header if h not in columns]
            missing = [c for c in required if c not in header]
            twice = sorted({h for h in header if h and header.count(h) > 1})
            if unknown or missing or twice:
                problems = [f"unknown column {h!r}" for h in unknown]
                problems += [f"missing column {c!r}" for c in missing]
                problems += [f"column {h!r} appears twice" for h in twice]
                raise InvalidRequest(
                    f"{path}, row 1 (header): " + "; ".join(problems),
                    [f"expected columns: {', '.join(columns)}"],
                )
            for number, raw in enumerate(reader, start=2):
                if not any(cell.strip() for cell in raw):
                    continue  # blank lines
                if len(raw) > len(header):
                    raise InvalidRequest(
                        f"row {number}: {len(raw)} values but the header has {len(header)}"
                        " columns (a comma inside a value needs quotes)"
                    )
                values = {c: "" for c in columns}
                values.update({h: cell.strip() for h, cell in zip(header, raw, strict=False)})
                yield number, values
        except UnicodeDecodeError:
            raise InvalidRequest(f"{path}: not UTF-8 text (save the file as CSV UTF-8)") from None
        except csv.Error as exc:
            raise InvalidRequest(f"{path}, row {reader.line_num}: {exc}") from None


def bounded_text(limit: int, required: bool = False) -> Callable[[str], str | None]:
    def parse(text: str) -> str | None:
        if not text:
            if required:
                raise ValueError("required")
            return None
        if len(text) > limit:
            raise ValueError(f"at most {limit} characters")
        return text

    return parse


def whole(value: str) -> int | None:
    if not value:
        return None
    number = parse_number(value)
    if number is None:
        raise ValueError(f"expected a whole number >= 0, not {value!r}")
    return number


def choice(allowed: tuple[str, ...] | list[str], default: str = "") -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.lower() or default
        if value not in allowed:
            raise ValueError(f"{text!r} is not one of {', '.join(allowed)}")
        return value

    return parse
