"""Merging one new movement: validate, resolve, post, flag.

``Merger.merge`` decides a movement's outcome and writes its effects through
the ``Poster``; the push loop around it (order, replays, gaps) is in
``push.py``.  How each kind posts follows the protocol's table; every posting
is double-entry, against a virtual location where goods enter or leave.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from .batch_refs import BatchRefs
from .catalog import Catalog, ItemRef, LocationRef, ensure_lot
from .clock import EventClock, parse_iso_ms
from .count_tasks import complete_count_task
from .counts import Position, check_count, following_count
from .fulfilment_hooks import HOOKED_KINDS, LineMove, after_posting
from .movement import Incoming, WireMovement, validate
from .picking import LinePick, pick_against_line
from .posting import Key, Poster
from .putback import complete_putback
from .return_links import DISPOSITION_KINDS, link_disposition
from .rules import Rules
from .tolerance import Tolerances
from .zero_pick import zero_short_pick

__all__ = ["Merger", "Result", "Names"]

# What a movement's names resolved to: item id, lot, from id, to id, units.
Names = tuple[int | None, str, int | None, int | None, int | None]


@dataclass(slots=True)
class Result:
    id: str
    seq: int
    outcome: str
    server_seq: int
    conflicts: list[dict[str, str]] = field(default_factory=list)
    message: str | None = None
    code: str | None = None
    replayed: bool = False

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "seq": self.seq,
            "outcome": self.outcome,
            "replayed": self.replayed,
            "server_seq": self.server_seq,
            "conflicts": self.conflicts,
            "message": self.message,
        }
        if self.code is not None:
            out["code"] = self.code
        return out


class _Stop(Exception):
    """Ends the merge of one movement with an outcome other than applied."""

    def __init__(self, outcome: str, code: str, message: str) -> None:
        self.outcome, self.code, self.message = outcome, code, message


# (from side, to side): "from"/"to" = the movement's field, a name = a virtual location,
# "staging"/"packing" = the field, or the warehouse's default location of that kind.
_LEGS: dict[str, tuple[str, str]] = {
    "receive": ("SUPPLIER", "to"),
    "putaway": ("from", "to"),
    "transfer": ("from", "to"),
    "pick": ("from", "staging"),
    "pack": ("from", "packing"),
    "ship": ("from", "CUSTOMER"),
    "return": ("CUSTOMER", "to"),
    "scrap": ("from", "SCRAP"),
}


class Merger:
    def __init__(
        self,
        conn: sqlite3.Connection,
        poster: Poster,
        catalog: Catalog,
        rules: Rules,
        device_id: str,
        clock: EventClock,
        received_at: str,
    ) -> None:
        self.conn, self.poster, self.catalog, self.rules = conn, poster, catalog, rules
        self.device_id, self.clock, self.received_at = device_id, clock, received_at
        self.tolerances = Tolerances(conn)
        # Counts this Merger posted, by place, whose rows the Poster may not have
        # written yet; and the places where it posted re-adjustments, which are
        # placed at another count's position (see _count).
        self._counted: dict[Key, list[tuple[int, Position]]] = {}
        self._readjusted: set[Key] = set()
        # What the batch's references name (read once by the caller), or None:
        # then every reference is looked up.
        self.refs: BatchRefs | None = None
        self.posting_seq: int | None = None  # set while a held movement is posted again

    def forget_unflushed(self) -> None:
        """After a rollback to a savepoint: what this Merger remembers may be gone."""
        self._counted.clear()
        self._readjusted.clear()

    # -- the whole of one movement ----------------------------------------------

    def merge(self, inc: Incoming) -> Result:
        seq_no = self.poster.next_seq()
        m = inc.movement
        recorded_ms: int | None = None
        if m is not None and m.recorded_at:
            try:
                recorded_ms = parse_iso_ms(m.recorded_at)
            except ValueError:
                recorded_ms = None
        event_ms, uncertain = self.clock.place(recorded_ms)
        # bounded both ways: a negative one is rejected, yet its row is stored
        basis = max(0, min(m.basis or 0, seq_no - 1)) if m is not None else 0
        pos = Position(inc.id, self.device_id, inc.seq, basis, event_ms, seq_no)
        result, names = self._decide(m, pos, inc.decode_error, inc.payload)
        self.poster.movement(
            (
                inc.id, self.device_id, inc.seq, seq_no, seq_no,
                m.kind if m is not None else "?",
                m.user if m is not None else None,
                m.recorded_at if m is not None else None,
                event_ms, int(uncertain), self.received_at, basis, *names,
                result.outcome, result.outcome, result.code,
                result.message, inc.digest, inc.payload,
            )
        )  # fmt: skip
        return result

    def repost(self, m: WireMovement, pos: Position, posting_seq: int) -> tuple[Result, Names]:
        """Merge a movement stored earlier (held) again, now that its names resolve.

        Its ledger entries keep its own place (``pos``) and are posted at
        ``posting_seq``; what it changes besides stock (order lines, tasks,
        new conflicts) carries ``posting_seq`` too, so devices pull it.  The
        caller updates the stored movement row.
        """
        self.posting_seq = posting_seq
        try:
            return self._decide(m, pos, None)
        finally:
            self.posting_seq = None

    def _decide(
        self, m: WireMovement | None, pos: Position, error: str | None, payload: str | None = None
    ) -> tuple[Result, Names]:
        """A movement's outcome, its effects written through the Poster (``payload``: its JSON)."""
        result = Result(pos.movement_id, pos.seq, "applied", pos.server_seq)
        item_id: int | None = None
        lot = ""
        ends: tuple[int | None, int | None] = (None, None)
        units: int | None = None
        try:
            if m is None:
                raise _Stop("rejected", "INVALID_FIELD", error or "invalid movement")
            invalid = validate(m, payload)
            if invalid is not None:
                raise _Stop("rejected", invalid.code, invalid.message)
            item, pack = self._item(m)
            item_id = item.id
            lot = self._lot_key(m, item)
            units = m.qty * pack  # type: ignore[operator]
            places = self._places(m)
            ends = (places[0].id if places[0] else None, places[1].id if places[1] else None)
            if lot:
                self._check_lot(m, item, lot, self._posted(pos), result)
            if m.kind == "count":
                self._count(m, pos, (item.id, places[1].id, lot), units, result)  # type: ignore[union-attr]
            else:
                self._delta(m, pos, item, lot, units, places, result)
        except _Stop as stop:
            result.outcome, result.code, result.message = stop.outcome, stop.code, stop.message
        other_bin = self._count_task(m, pos, item_id, lot, result)
        if other_bin is not None and result.message is not None:
            result.message = f"{result.message}; {other_bin}"  # the device hears both
        if result.outcome == "held":  # one conflict: its resolution decides the count
            assert result.code is not None and result.message is not None
            self._conflict(result, result.code, result.message, item_id, ends[1] or ends[0])
        elif other_bin is not None:
            # no code of the protocol says it; COUNT_AMBIGUOUS comes nearest: which
            # bin the counter counted, or meant to count, a supervisor decides
            self._conflict(result, "COUNT_AMBIGUOUS", other_bin, item_id, ends[1])
        if m is not None and m.kind == "count" and item_id is not None and ends[1] is not None:
            self._zero_short(m, item_id, ends[1], lot, result)
        if result.outcome == "applied" and result.conflicts:
            result.outcome = "flagged"
        return result, (item_id, lot, ends[0], ends[1], units)

    def _count_task(
        self, m: WireMovement | None, pos: Position, item_id: int | None, lot: str, result: Result
    ) -> str | None:
        """A count naming an open count task does it when it counted the task's
        place; when it counted another bin, what a supervisor must hear (the
        count is a count of the bin it names, the task stays open)."""
        task = m.ref.count_task if m is not None and m.kind == "count" and m.ref else None
        if m is None or not task or result.outcome == "rejected":
            return None
        if self.refs is not None and not self.refs.has_open_count_task(task):
            return None
        # the bin as named, found even when the item was not (held UNKNOWN_ITEM)
        place = self.catalog.location(m.to or m.from_ or "")
        counted = (place.id if place is not None else None, item_id, lot)
        return complete_count_task(
            self.conn, task, pos.server_seq, self._posted(pos), counted=counted
        )

    def _posted(self, pos: Position) -> int:
        """The server_seq a movement's effects are posted at (its own, or a repost's)."""
        return pos.server_seq if self.posting_seq is None else self.posting_seq

    def _zero_short(
        self, m: WireMovement, item_id: int, bin_id: int, lot: str, result: Result
    ) -> None:
        """A count of 0 naming a pick task with a reason: a short pick of nothing."""
        ref = m.ref
        reason = m.reason or m.note
        if (
            result.outcome == "rejected"
            or m.qty != 0
            or ref is None
            or not (ref.task or "").startswith("PT-")
            or not ref.order_line
            or not (reason or "").strip()
        ):
            return
        self.poster.flush()  # a short pick allocates again from the stock table
        for code, message in zero_short_pick(
            self.conn, task=ref.task or "", order_line=ref.order_line, item_id=item_id,
            bin_id=bin_id, lot=lot, seq=result.server_seq, user=m.user or "",
        ):  # fmt: skip
            self._conflict(result, code, message, item_id, bin_id)

    # -- resolving names ----------------------------------------------------------

    def _item(self, m: WireMovement) -> tuple[ItemRef, int]:
        found = self.catalog.item(m.item or "")
        if found is None:
            raise _Stop("held", "UNKNOWN_ITEM", f"no item has SKU or barcode {m.item}")
        return found

    def _lot_key(self, m: WireMovement, item: ItemRef) -> str:
        if item.tracking == "lot":
            if not m.lot:
                raise _Stop("rejected", "MISSING_FIELD", f"lot: required for {item.sku}")
            return m.lot
        if item.tracking == "serial":
            if not m.serial:
                raise _Stop("rejected", "MISSING_FIELD", f"serial: required for {item.sku}")
            return m.serial
        return ""

    def _location(self, code: str, field_name: str) -> LocationRef:
        loc = self.catalog.location(code)
        if loc is None:
            raise _Stop("held", "UNKNOWN_LOCATION", f"{field_name}: no location {code}")
        if loc.virtual:
            raise _Stop("rejected", "INVALID_FIELD", f"{field_name}: {code} is not a real place")
        return loc

    def _default(self, kind: str, near: LocationRef) -> LocationRef:
        row = self.conn.execute(
            "SELECT code FROM locations WHERE kind = ? AND active = 1"
            " AND (warehouse_id IS ? OR ? IS NULL) ORDER BY pick_seq, code LIMIT 1",
            (kind, near.warehouse_id, near.warehouse_id),
        ).fetchone()
        if row is None:
            raise _Stop("held", "UNKNOWN_LOCATION", f"to: no {kind} location to move into")
        return self._location(row[0], "to")

    def _places(self, m: WireMovement) -> tuple[LocationRef | None, LocationRef | None]:
        """(from, to) as real or virtual locations; for a count, (None, the bin)."""
        if m.kind == "count":
            return None, self._location(m.to or m.from_ or "", "to" if m.to else "from")
        if m.kind == "adjust":
            if m.from_:
                return self._location(m.from_, "from"), self.catalog.virtual("INVENTORY")
            return self.catalog.virtual("INVENTORY"), self._location(m.to or "", "to")
        source, target = _LEGS[m.kind]
        src = (
            self._location(m.from_ or "", "from")
            if source == "from"
            else self.catalog.virtual(source)
        )
        if target == "to":
            dst = self._location(m.to or "", "to")
        elif target in ("staging", "packing"):
            dst = self._location(m.to, "to") if m.to else self._default(target, src)
        else:
            dst = self.catalog.virtual(target)
        return src, dst

    # -- lots -----------------------------------------------------------------------

    def _check_lot(
        self, m: WireMovement, item: ItemRef, lot: str, seq: int, result: Result
    ) -> None:
        status = ensure_lot(self.conn, item.id, lot, m.expiry, seq=seq)
        if status != "ok" and m.kind in ("pick", "pack", "ship"):
            self._conflict(
                result, "LOT_BLOCKED", f"lot {lot} of {item.sku} is {status}", item.id, None
            )

    # -- posting ----------------------------------------------------------------------

    def _delta(
        self,
        m: WireMovement,
        pos: Position,
        item: ItemRef,
        lot: str,
        units: int,
        places: tuple[LocationRef | None, LocationRef | None],
        result: Result,
    ) -> None:
        src, dst = places
        assert src is not None and dst is not None
        posted = self._posted(pos)
        for loc, qty in ((src, -units), (dst, units)):
            key: Key = (item.id, loc.id, lot)
            row = self.poster.entry(posted, pos.server_seq, m.kind, key, qty)
            # Only counts stored before this batch can absorb the delta or make it
            # ambiguous: the batch's own are this device's, earlier in seq order.
            if (
                not loc.virtual
                and row.stored_count_seq is not None
                and row.stored_count_seq > pos.basis
            ):
                self._absorb(key, pos, qty, result, item.id)
        line_ref = m.ref.order_line if m.ref is not None else None
        if line_ref and self.refs is not None and not self.refs.has_line(line_ref):
            line_ref = None  # names no line here: nothing to count it against
        if m.kind == "pick" and line_ref:
            assert m.ref is not None
            reason = m.reason or m.note
            if m.ref.task and reason:
                self.poster.flush()  # a short pick allocates again from the stock table
            line_pick = LinePick(line_ref, item.id, src.id, lot, units, posted,
                                 m.user or "", dst.id, m.ref.task, reason)  # fmt: skip
            for code, message in pick_against_line(self.conn, line_pick):
                self._conflict(result, code, message, item.id, dst.id)
        if m.kind in HOOKED_KINDS and (line_ref or m.kind == "return"):
            line_move = LineMove(m.kind, m.ref, item.id, item.sku, src.id, dst.id, lot, units,
                                 posted, m.condition, m.user or "", self.device_id,
                                 pos.movement_id)  # fmt: skip
            for code, message in after_posting(self.conn, line_move):
                self._conflict(result, code, message, item.id, dst.id)
        if m.kind in DISPOSITION_KINDS and m.ref is not None and m.ref.rma:
            self.poster.flush_entries()  # the receipt's movement row, if in this batch
            link_disposition(self.conn, rma=m.ref.rma, kind=m.kind, device_id=self.device_id,
                             item_id=item.id, lot=lot, src=src, dst=dst, seq=posted,
                             user=m.user or "")  # fmt: skip
        if m.kind != "pick" and m.ref is not None and m.ref.task and m.ref.task.startswith("PB-"):
            problem = complete_putback(self.conn, m.ref.task, units, posted)
            if problem is not None:
                self._conflict(result, "PUTBACK_UNEXPECTED", problem, item.id, dst.id)
        if not src.virtual:
            on_hand = self.poster.stock_row((item.id, src.id, lot)).on_hand
            if on_hand < 0:
                self._conflict(
                    result,
                    "NEGATIVE_STOCK",
                    f"{src.code} would hold {on_hand} of {item.sku}",
                    item.id,
                    src.id,
                )

    def _absorb(self, key: Key, pos: Position, qty: int, result: Result, item_id: int) -> None:
        """A delta placed before a posted count: that count absorbs it.

        No flush first: what this batch wrote is its own device's, placed before
        this movement, and changes neither answer of ``following_count``.
        """
        count, ambiguous = following_count(
            self.poster, key, pos, window_ms=self.rules.count_window_ms
        )
        if count is not None:
            inventory = self.catalog.virtual("INVENTORY").id
            seq, posted = pos.server_seq, self._posted(pos)
            self.poster.entry(posted, count.server_seq, "readjust", key, -qty, seq)
            self.poster.entry(
                posted, count.server_seq, "readjust", (key[0], inventory, key[2]), qty, seq,
            )  # fmt: skip
            self._readjusted.add(key)
        if ambiguous is not None:
            self._conflict(
                result,
                "COUNT_AMBIGUOUS",
                f"within the clock window of count {ambiguous}",
                item_id,
                key[1],
            )

    def _count(
        self, m: WireMovement, pos: Position, key: Key, counted: int, result: Result
    ) -> None:
        # The batch's own entries at this place are this device's earlier
        # movements, placed before the count: they need not be written for
        # check_count, except re-adjustments (placed where another count is).
        stored = None
        if key in self._readjusted:
            self.poster.flush_entries()
        else:
            stored = self.poster.stock_row(key)
        check = check_count(
            self.poster,
            key,
            pos,
            counted,
            window_ms=self.rules.count_window_ms,
            recount_window_ms=self.rules.recount_window_ms,
            unflushed_counts=self._counted.get(key),
            stored=stored,
        )
        loc = self.catalog.locations_by_id[key[1]]
        item = self.catalog.items_by_id[key[0]]
        where = f"{item.sku} at {loc.code}"
        if check.ambiguous_with is not None:
            raise _Stop(
                "held",
                "COUNT_AMBIGUOUS",
                f"count of {where} is too close in time to movement {check.ambiguous_with}"
                " from another device to place",
            )
        if check.disagrees_with is not None:
            raise _Stop(
                "held",
                "COUNT_DISAGREEMENT",
                f"count of {counted} {where} disagrees with count {check.disagrees_with};"
                " a recount is suggested",
            )
        if not self.tolerances.within(loc.kind, item, check.book, check.variance):
            raise _Stop(
                "held",
                "COUNT_VARIANCE",
                f"counted {counted} {where}, book {check.book}: variance {check.variance:+d}"
                " is beyond tolerance",
            )
        self.post_count(
            pos, key, counted, check.variance, check.absorbed_by, posted_seq=self.posting_seq
        )
        self._counted.setdefault(key, []).append((counted, pos))
        if check.variance:
            result.message = f"count of {where}: book {check.book}, adjusted {check.variance:+d}"

    def post_count(
        self,
        pos: Position,
        key: Key,
        counted: int,
        variance: int,
        absorbed_by: Position | None,
        *,
        posted_seq: int | None = None,
    ) -> None:
        """Post a count's adjustment (also used when a supervisor accepts a held count).

        ``posted_seq``: the server_seq of the posting when it comes later than
        the count's own (a held count accepted); the entries keep the count's
        place in the movement order.
        """
        inventory: Key = (key[0], self.catalog.virtual("INVENTORY").id, key[2])
        seq = pos.server_seq
        posted = seq if posted_seq is None else posted_seq
        row = self.poster.entry(posted, seq, "count", key, variance)
        row.last_count_seq = max(row.last_count_seq or 0, posted)
        if variance:
            self.poster.entry(posted, seq, "count", inventory, -variance)
        if absorbed_by is not None and variance:
            later = absorbed_by.server_seq
            self.poster.entry(posted, later, "readjust", key, -variance, seq)
            self.poster.entry(posted, later, "readjust", inventory, variance, seq)
            self._readjusted.add(key)  # placed where another count is: see _count
        self.poster.count((seq, key[0], key[1], key[2], counted, posted))

    # -- conflicts ----------------------------------------------------------------------

    def _conflict(
        self, result: Result, code: str, message: str, item_id: int | None, location_id: int | None
    ) -> None:
        seen = result.server_seq if self.posting_seq is None else self.posting_seq
        conflict_id = self.poster.conflict(
            (result.server_seq, code, message, item_id, location_id, self.device_id,
             self.received_at, seen)
        )  # fmt: skip
        result.conflicts.append({"id": f"c-{conflict_id}", "code": code})
        if result.message is None:
            result.message = message
