"""Count tolerances: how big a variance may post without a supervisor.

Rows of ``count_tolerances`` are scoped by location kind and item class
(either may be NULL = any); the most specific matching row wins.  A variance
is within tolerance when it keeps every limit the row sets: units, percent of
the book quantity, and value (units × the item's unit cost).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .catalog import ItemRef

__all__ = ["Tolerance", "Tolerances"]


@dataclass(frozen=True, slots=True)
class Tolerance:
    max_units: int | None
    max_percent: float | None
    max_value: float | None

    def allows(self, book: int, variance: int, unit_cost: float | None) -> bool:
        size = abs(variance)
        if size == 0:
            return True
        if self.max_units is not None and size > self.max_units:
            return False
        if self.max_percent is not None and (book <= 0 or size * 100.0 / book > self.max_percent):
            return False
        return not (
            self.max_value is not None
            and unit_cost is not None
            and size * unit_cost > self.max_value
        )


class Tolerances:
    """Loaded once per write transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._rows: dict[tuple[str | None, str | None], Tolerance] = {
            (row[0], row[1]): Tolerance(row[2], row[3], row[4])
            for row in conn.execute(
                "SELECT location_kind, item_class, max_units, max_percent, max_value"
                " FROM count_tolerances"
            )
        }

    def for_place(self, location_kind: str, item_class: str | None) -> Tolerance:
        for scope in (
            (location_kind, item_class),
            (location_kind, None),
            (None, item_class),
            (None, None),
        ):
            found = self._rows.get(scope)
            if found is not None:
                return found
        return Tolerance(0, None, None)  # no row at all: any variance needs a look

    def within(self, location_kind: str, item: ItemRef, book: int, variance: int) -> bool:
        return self.for_place(location_kind, item.item_class).allows(book, variance, item.unit_cost)
