"""Which stock rows a pushed batch will touch, guessed before merging it."""

from __future__ import annotations

from .catalog import Catalog
from .movement import Incoming
from .posting import Key

__all__ = ["stock_keys"]


def stock_keys(catalog: Catalog, movements: list[Incoming]) -> set[Key]:
    """The stock rows a batch will probably touch, to read them in one query.

    A guess from the names alone (defaults and virtual sides are left out): a
    row it misses is simply read when it is needed.
    """
    keys: set[Key] = set()
    for inc in movements:
        m = inc.movement
        if m is None or not m.item:
            continue
        found = catalog.item(m.item)
        if found is None:
            continue
        item = found[0]
        lot = m.lot if item.tracking == "lot" else m.serial if item.tracking == "serial" else ""
        for code in (m.from_, m.to):
            loc = catalog.location(code) if code else None
            if loc is not None:
                keys.add((item.id, loc.id, lot or ""))
    return keys
