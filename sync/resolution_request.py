"""A supervisor's resolution as asked for: the action, the reason, its fields."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidRequest
from .movement import MAX_QTY
from .resolution_fields import FIELDS, unused_fields

__all__ = ["ACTIONS", "ResolutionRequest"]

ACTIONS = ("accept", "accept_counted_now", "edit", "void", "recount", "map", "reallocate")
_ID = re.compile(r"[A-Za-z0-9._:-]{8,80}")


@dataclass(frozen=True)
class ResolutionRequest:
    conflict_id: int
    action: str
    reason: str
    by_user: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    counted: int | None = None  # edit of a held count
    qty: int | None = None  # edit of a posted movement; units to reallocate
    item: str | None = None  # map: the SKU an unknown barcode belongs to
    location: str | None = None  # map: the known location; reallocate: where to
    pack_qty: int = 1  # map: units the mapped barcode stands for
    assign_to: str | None = None  # recount: who should count
    blind: bool = True  # recount: False lets the counter see the book quantity
    max_value: float | None = None  # accept of a count: refuse a variance worth more

    @classmethod
    def from_json(cls, conflict_id: int, body: dict[str, Any], by_user: str) -> ResolutionRequest:
        errors = []
        action = body.get("action")
        if action not in ACTIONS:
            errors.append(f"action: one of {', '.join(ACTIONS)}")
        # A field the action never uses is refused as such (not read: its value
        # is not the problem); one it uses, but not for this conflict, by resolve.
        skip = unused_fields(str(action), [f for f in FIELDS if body.get(f) is not None])
        errors += skip.values()
        reason = body.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            errors.append("reason: say why (it is kept with the resolution)")
        elif len(reason) > 500:
            errors.append("reason: at most 500 characters")
        given_id = body.get("id")
        if given_id is not None and (not isinstance(given_id, str) or not _ID.fullmatch(given_id)):
            errors.append("id: 8 to 80 letters, digits or . _ : - (e.g. a UUID)")
        numbers: dict[str, int | None] = {}
        for name, least in (("counted", 0), ("qty", 1), ("pack_qty", 1)):
            value = None if name in skip else body.get(name)
            problem = None if value is None else _quantity_problem(name, value, least)
            if problem is not None:
                errors.append(problem)
                value = None
            numbers[name] = value
        texts: dict[str, str | None] = {}
        for name in ("item", "location", "assign_to"):
            value = None if name in skip else body.get(name)
            if value is not None and (not isinstance(value, str) or not 0 < len(value) <= 100):
                errors.append(f"{name}: a code of at most 100 characters")
                value = None
            texts[name] = value.strip() if isinstance(value, str) else None
        blind = True if "blind" in skip else body.get("blind", True)
        if not isinstance(blind, bool):
            errors.append("blind: true or false")
            blind = True
        if errors:
            raise InvalidRequest("; ".join(errors), errors)
        return cls(
            conflict_id,
            str(action),
            str(reason).strip(),
            by_user,
            given_id or str(uuid.uuid4()),
            counted=numbers["counted"],
            qty=numbers["qty"],
            pack_qty=numbers["pack_qty"] or 1,
            item=texts["item"],
            location=texts["location"],
            assign_to=texts["assign_to"],
            blind=blind,
        )

    def given(self) -> list[str]:
        """The fields this request sets (to other than their defaults)."""
        return [
            name
            for name in FIELDS
            if getattr(self, name) != {"pack_qty": 1, "blind": True}.get(name)
        ]


def _quantity_problem(name: str, value: object, least: int) -> str | None:
    """What is wrong with a quantity a supervisor typed, or None.

    The ceiling is a device movement's: a resolution posts through the same
    ledger, and a pack quantity multiplies every later scan of its barcode.
    """
    if not isinstance(value, int) or isinstance(value, bool) or value < least:
        return f"{name}: a whole number >= {least}"
    if value > MAX_QTY:
        return f"{name}: at most {MAX_QTY:,} (more is beyond any real quantity)"
    return None
