"""What a batch's references point at, looked up once per batch.

A pick, pack or ship names an order line (``SO-55/3``) and a count a count
task (``CT-7``); the merge counts each movement against what it names.  Most
references in a batch name the same few orders or nothing the server knows
(a purchase order's line on a receipt, a task made offline), so instead of a
query per movement to find that out, ``BatchRefs.read`` asks once which of
the batch's references exist.  A reference that exists still goes through
the full path (``picking``, ``fulfilment_hooks``, ``count_tasks``); one that
does not is skipped, with exactly the effect those would have had: none.

Nothing a push does creates an order line or opens a count task, so what is
read at the start of a batch holds for all of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field

from .ids import parse_number
from .movement import WireMovement

__all__ = ["BatchRefs", "parse_line_ref", "parse_count_task"]

_CHUNK = 400  # parameters per query, well under SQLite's limit


def parse_line_ref(ref: str) -> tuple[str, int] | None:
    """``SO-55/3`` -> ("SO-55", 3), as ``picking`` and ``fulfilment_hooks`` read it."""
    number, _, line = ref.rpartition("/")
    line_no = parse_number(line)
    return (number, line_no) if number and line_no is not None else None


def parse_count_task(ref: str) -> int | None:
    """``CT-7`` -> 7, as ``count_tasks.complete_count_task`` reads it."""
    prefix, _, number = ref.partition("-")
    return parse_number(number) if prefix == "CT" else None


@dataclass(slots=True)
class BatchRefs:
    lines: set[tuple[str, int]] = field(default_factory=set)
    open_count_tasks: set[int] = field(default_factory=set)

    @classmethod
    def read(cls, conn: sqlite3.Connection, movements: Iterable[WireMovement | None]) -> BatchRefs:
        numbers: set[str] = set()
        tasks: set[int] = set()
        for m in movements:
            if m is None or m.ref is None:
                continue
            if m.ref.order_line:
                parsed = parse_line_ref(m.ref.order_line)
                if parsed is not None:
                    numbers.add(parsed[0])
            if m.ref.count_task:
                task = parse_count_task(m.ref.count_task)
                if task is not None:
                    tasks.add(task)
        refs = cls()
        for chunk in _chunks(sorted(numbers)):
            refs.lines.update(
                (row[0], row[1])
                for row in conn.execute(
                    "SELECT o.number, ol.line_no FROM orders o"
                    " JOIN order_lines ol ON ol.order_id = o.id"
                    f" WHERE o.number IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        for chunk in _chunks(sorted(tasks)):
            refs.open_count_tasks.update(
                row[0]
                for row in conn.execute(
                    f"SELECT id FROM count_tasks WHERE status = 'open'"
                    f" AND id IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return refs

    def has_line(self, ref: str) -> bool:
        parsed = parse_line_ref(ref)
        return parsed is not None and parsed in self.lines

    def has_open_count_task(self, ref: str) -> bool:
        task = parse_count_task(ref)
        return task is not None and task in self.open_count_tasks


def _chunks(values: list[str] | list[int]) -> Iterable[list[str] | list[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]
