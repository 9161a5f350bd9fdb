"""The floor model: movements a warehouse floor makes, consistent with its stock.

``Floor`` makes the history (one floor, every item) and each device's load (a zone
of items per scanner); ``wire`` turns a movement into what a device sends.
"""

from __future__ import annotations

import bisect
import random
from collections import deque
from dataclasses import dataclass
from typing import Any

from _push_site import CASE_PACK, Site, iso

MIX = {"receive": 10, "putaway": 20, "pick": 45, "transfer": 15, "count": 10}
RECOUNT_WINDOW_MS = 24 * 3600 * 1000  # sync.rules.Rules default


@dataclass(slots=True)
class Move:
    kind: str
    item: int  # index into Site.items
    code: str  # what the scanner read: the unit EAN or the case GTIN
    src: str | None
    dst: str | None
    qty: int  # as sent (cases for a case barcode)
    units: int
    ref: dict[str, str | None]


Stock = dict[tuple[int, str], int]  # (item index, location code) -> units


class Floor:
    """The movements of one zone, kept consistent with a model of its stock."""

    def __init__(
        self, site: Site, items: list[int], stock: Stock, rng: random.Random, *, recounts: bool
    ) -> None:
        """``recounts``: a count may disagree with a count of the same bin made within the
        recount window (the server holds it); without, variances come only after it."""
        self.site, self.items, self.stock, self.rng = site, items, stock, rng
        self.recounts = recounts
        weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(items))]  # a few items sell most
        self.cum_weights = [sum(weights[: i + 1]) for i in range(len(weights))]
        self.total_weight = self.cum_weights[-1]
        self.dock_queue: deque[tuple[int, int]] = deque(
            (i, stock[(i, site.dock)]) for i in items if stock.get((i, site.dock), 0) > 0
        )
        self.last_count: dict[tuple[int, str], int] = {}  # key -> time of its latest count
        self.orders = self.tasks = 0

    def _popular(self) -> int:
        at = bisect.bisect(self.cum_weights, self.rng.random() * self.total_weight)
        return self.items[min(at, len(self.items) - 1)]

    def _move(
        self,
        kind: str,
        item: int,
        src: str | None,
        dst: str | None,
        units: int,
        ref: dict[str, str | None],
        *,
        case: bool = False,
    ) -> Move:
        spec = self.site.items[item]
        if src is not None:
            self.stock[(item, src)] = self.stock.get((item, src), 0) - units
        if dst is not None:
            self.stock[(item, dst)] = self.stock.get((item, dst), 0) + units
        code, qty = (spec.case_gtin, units // CASE_PACK) if case else (spec.ean, units)
        return Move(kind, item, code, src, dst, qty, units, ref)

    def _ref(self, prefix: str, line: bool = False) -> dict[str, str | None]:
        self.tasks += 1
        order_line = None
        if line:
            self.orders += 1
            order_line = f"{'PO' if prefix == 'RC' else 'SO'}-{self.orders // 7}/{self.orders % 7}"
        return {
            "order_line": order_line,
            "task": f"{prefix}-{self.tasks}",
            "rma": None,
            "count_task": None,
        }

    def kinds(self, n: int) -> list[str]:
        """Exactly the mix for ``n`` movements, shuffled."""
        kinds = [k for k, share in MIX.items() for _ in range(round(n * share / 100))]
        kinds = (kinds + ["pick"] * n)[:n]
        self.rng.shuffle(kinds)
        return kinds

    def make(self, kind: str, now_ms: int) -> Move:
        rng, dock = self.rng, self.site.dock
        if kind == "putaway" and self.dock_queue:
            item, units = self.dock_queue.popleft()
            spec = self.site.items[item]
            dst = spec.reserve_bin if rng.random() < 0.7 else spec.pick_bin
            return self._move("putaway", item, dock, dst, units, self._ref("PA"))
        if kind == "pick":
            for _ in range(8):
                item = self._popular()
                units = rng.randint(1, 5) if rng.random() < 0.9 else rng.randint(6, 12)
                pick_bin = self.site.items[item].pick_bin
                if self.stock.get((item, pick_bin), 0) >= units + 10:
                    tote = rng.choice(self.site.totes)
                    return self._move("pick", item, pick_bin, tote, units, self._ref("PT", True))
            kind = "transfer"
        if kind == "transfer":
            for _ in range(8):
                item = self._popular()
                spec = self.site.items[item]
                held = self.stock.get((item, spec.reserve_bin), 0)
                if held > 0:
                    units = min(held, rng.randint(6, 30))
                    return self._move(
                        "transfer", item, spec.reserve_bin, spec.pick_bin, units, self._ref("RP")
                    )
        if kind == "count":
            item = rng.choice(self.items)
            spec = self.site.items[item]
            where = spec.pick_bin if rng.random() < 0.8 else spec.reserve_bin
            key = (item, where)
            book = self.stock.get(key, 0)
            counted = book
            recent = now_ms - self.last_count.get(key, -RECOUNT_WINDOW_MS) < RECOUNT_WINDOW_MS
            if book >= 20 and rng.random() < 0.03 and (self.recounts or not recent):
                counted = book + rng.choice((-1, 1))  # a real variance, within tolerance
                if not recent:
                    self.stock[key] = counted  # posted; a recount that disagrees is held
            self.last_count[key] = now_ms
            ref = self._ref("CT")
            ref["count_task"], ref["task"] = ref["task"], None
            return Move("count", item, spec.ean, None, where, counted, counted, ref)
        # receive, and what is left when the floor cannot do what was asked
        item = self._popular()
        case = rng.random() < 0.7
        units = rng.randint(1, 4) * CASE_PACK if case else rng.randint(12, 48)
        half = units // 2
        self.dock_queue.extend(((item, half), (item, units - half)))
        return self._move("receive", item, None, dock, units, self._ref("RC", True), case=case)


def wire(
    move: Move, movement_id: str, seq: int, user: str, recorded_ms: int, basis: int
) -> dict[str, Any]:
    """The movement as a device sends it (every field, as the protocol's example)."""
    return {
        "id": movement_id,
        "seq": seq,
        "kind": move.kind,
        "user": user,
        "recorded_at": iso(recorded_ms),
        "basis": basis,
        "item": move.code,
        "lot": None,
        "serial": None,
        "expiry": None,
        "from": move.src,
        "to": move.dst,
        "qty": move.qty,
        "ref": move.ref,
        "note": None,
    }
