"""Bulk accept: many held count variances of little value, in one go.

Each conflict gets a resolution of its own (id ``<batch id>:c-<n>``, so the
same batch sent twice replays), inside a savepoint: one that cannot be
accepted — not a held ``COUNT_VARIANCE``, already resolved, or a variance
worth more than ``max_value`` at the item's unit cost (or with no cost to
value it by) — is skipped with the reason, and the others still commit.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from typing import Any

from .conflicts import parse_conflict_id
from .db import write_transaction
from .errors import InvalidRequest, ShelfsyncError
from .resolutions import ResolutionRequest, resolve_within
from .rules import Rules

__all__ = ["bulk_accept", "MAX_BULK"]

MAX_BULK = 500


def bulk_accept(
    conn: sqlite3.Connection,
    ids: object,
    *,
    reason: object,
    by_user: str,
    max_value: float,
    batch_id: str,
    rules: Rules,
) -> dict[str, Any]:
    if not isinstance(ids, list) or not ids or len(ids) > MAX_BULK:
        raise InvalidRequest(f"ids: a list of 1 to {MAX_BULK} conflict ids")
    numbers = [parse_conflict_id(i) for i in ids]
    accepted: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    with write_transaction(conn):
        for number in numbers:
            code = conn.execute("SELECT code FROM conflicts WHERE id = ?", (number,)).fetchone()
            if code is None or code[0] != "COUNT_VARIANCE":
                skipped.append({"conflict": f"c-{number}", "why": "not a COUNT_VARIANCE"})
                continue
            request = ResolutionRequest.from_json(
                number,
                {"action": "accept", "reason": reason, "id": f"{batch_id}:c-{number}"},
                by_user,
            )
            request = replace(request, max_value=max_value)
            conn.execute("SAVEPOINT bulk_accept")
            try:
                accepted.append(resolve_within(conn, request, rules))
                conn.execute("RELEASE SAVEPOINT bulk_accept")
            except ShelfsyncError as exc:
                conn.execute("ROLLBACK TO SAVEPOINT bulk_accept")
                conn.execute("RELEASE SAVEPOINT bulk_accept")
                if isinstance(exc, InvalidRequest) and "reason" in exc.message:
                    raise
                skipped.append({"conflict": f"c-{number}", "why": exc.message})
    return {"accepted": accepted, "skipped": skipped}
