"""Which fields each resolution uses, for which kind of conflict — the one rule
that the API (``ResolutionRequest.from_json``, ``resolve``) and the console's
form share.

A field given that the resolution does not use is refused, never dropped:
dropped, what posts is not what the supervisor asked for (a count accepted at
300 with 290 in ``counted``; a held count edited with the right bin in
``location``, posted at the wrong one).

What a resolution may change depends on what it resolves:

    held count          (COUNT_VARIANCE, COUNT_AMBIGUOUS, COUNT_DISAGREEMENT)
                        edit posts it with another ``counted``, nothing else:
                        a count asserts what one bin held at its place in the
                        movement order, so its item and bin stay as counted
    held unknown item   map: ``item`` (and ``pack_qty``) the barcode belongs to
    held unknown place  map: the known ``location`` the code stands for
    posted movement     edit: a corrected copy with ``qty`` and ``location``;
                        reallocate (an OVERPICK): ``qty``, ``location``

and recount takes ``assign_to`` and ``blind`` for any of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = [
    "FIELDS",
    "COUNT_HOLDS",
    "HELD_COUNT",
    "HELD_ITEM",
    "HELD_LOCATION",
    "POSTED",
    "NOTES",
    "target_of",
    "offered",
    "unused_fields",
]

FIELDS = ("counted", "qty", "item", "pack_qty", "location", "assign_to", "blind")

HELD_COUNT = "held count"
HELD_ITEM = "movement held for an unknown item"
HELD_LOCATION = "movement held for an unknown location"
POSTED = "posted movement"
_TARGETS = (HELD_COUNT, HELD_ITEM, HELD_LOCATION, POSTED)

COUNT_HOLDS = ("COUNT_VARIANCE", "COUNT_AMBIGUOUS", "COUNT_DISAGREEMENT")

# action → what it resolves → the fields it uses there.  A target an action
# is not listed for is refused by the action itself (``resolutions._act``).
_USES: dict[str, dict[str, tuple[str, ...]]] = {
    "accept": {},
    "accept_counted_now": {},
    "edit": {HELD_COUNT: ("counted",), POSTED: ("qty", "location")},
    "void": {},
    "recount": {target: ("assign_to", "blind") for target in _TARGETS},
    "map": {HELD_ITEM: ("item", "pack_qty"), HELD_LOCATION: ("location",)},
    "reallocate": {POSTED: ("qty", "location")},
}

_BIN_STAYS = "a held count posts at the bin it was counted in: its bin is not edited"

# Why a field the action uses elsewhere is not for this target.
_WHY: dict[tuple[str, str, str], str] = {
    ("edit", HELD_COUNT, "qty"): "a held count's quantity is counted",
    ("edit", HELD_COUNT, "location"): f"{_BIN_STAYS} (void it, and count the right bin)",
    ("edit", POSTED, "counted"): "only for a held count (a posted movement is edited"
    " in qty and location)",
    ("map", HELD_ITEM, "location"): "this maps an unknown item: the SKU goes in item",
    ("map", HELD_LOCATION, "item"): "this maps an unknown location: name it in location",
    ("map", HELD_LOCATION, "pack_qty"): "only for an unknown item's barcode",
}

# What the form says about the fields it does not offer.
NOTES: dict[str, str] = {
    HELD_COUNT: f"An edit posts this count with another counted quantity; {_BIN_STAYS},"
    " nor its item (void it, and count the right bin).",
}


def target_of(movement_state: str, code: str) -> str | None:
    """What a conflict's resolution resolves; None when only the action decides
    (a held movement's other conflict, e.g. a SHORT_PICK beside its variance)."""
    if movement_state != "held":
        return POSTED
    if code in COUNT_HOLDS:
        return HELD_COUNT
    return {"UNKNOWN_ITEM": HELD_ITEM, "UNKNOWN_LOCATION": HELD_LOCATION}.get(code)


def offered(target: str | None) -> tuple[str, ...]:
    """The fields some resolution of ``target`` uses (every field for None)."""
    if target is None:
        return FIELDS
    used = {f for uses in _USES.values() for f in uses.get(target, ())}
    return tuple(f for f in FIELDS if f in used)


def unused_fields(
    action: str,
    given: Iterable[str],
    target: str | None = None,
    *,
    names: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Each field in ``given`` that ``action`` does not use (for ``target``, when
    given and the action is for it), with a message; {} when all are used.

    ``names``: what the caller calls a field (the form's ``show_book`` for
    ``blind``), for the messages.
    """
    uses = _USES.get(action)
    if uses is None:
        return {}  # not an action: that is refused on its own
    given = set(given)
    problems: dict[str, str] = {}
    for field in (f for f in FIELDS if f in given):
        name = (names or {}).get(field, field)
        if not any(field in fields for fields in uses.values()):
            actions = [a for a, by_target in _USES.items()
                       if any(field in fields for fields in by_target.values())]  # fmt: skip
            problems[field] = f"{name}: only for {' or '.join(actions)}; empty it to {action}"
        elif target in uses and field not in uses[target]:
            why = _WHY.get((action, target, field), f"not for {action} of a {target}")
            problems[field] = f"{name}: {why}; empty it to {action}"
    return problems
