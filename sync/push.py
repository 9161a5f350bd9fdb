"""``POST /api/sync/push``: exactly once, in device order.

One push is one write transaction: the movements' effects and the device's
``device_last_seq`` commit together or not at all.  Movements run in ``seq``
order; a ``seq`` at or below ``device_last_seq`` is a replay and answers the
stored result; a gap stops the batch and keeps what came before it.

When a movement fails for an internal reason (a bug, a corrupt row) the batch
is run again with a savepoint around each movement, so the failure is pinned
to one movement: the ones before it commit, it is retried on the device's
next push, and after ``Rules.internal_retries`` tries it is recorded as
``rejected`` with code ``INTERNAL``, so it can never wedge the queue.
Transient database faults (locked, full) roll everything back and raise
``TransientStoreError`` (503 with Retry-After).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from .batch_refs import BatchRefs
from .catalog import catalog_for
from .clock import EventClock, iso_now, ms_to_iso, now_ms
from .db import is_transient, write_transaction
from .errors import DeviceForked, DeviceRefused, EpochMismatch, ShelfsyncError
from .merge import Merger, Result
from .meta import epoch
from .movement import Incoming, PushRequest, decode_movement, decode_push
from .posting import Poster
from .readback import stored_result
from .rules import Rules
from .stock_keys import stock_keys

__all__ = ["push", "push_in_transaction", "decode_push", "PushRequest", "run_batch"]

log = logging.getLogger("shelfsync.push")


def push(
    conn: sqlite3.Connection, request: PushRequest, rules: Rules, *, received_ms: int | None = None
) -> dict[str, Any]:
    """Merge one push; returns the response body.  The caller has authenticated the device."""
    received_ms = now_ms() if received_ms is None else received_ms
    try:
        with write_transaction(conn):
            return _Batch(conn, request, rules, received_ms, isolate=False).run()
    except ShelfsyncError:
        raise
    except Exception:
        log.exception("push from %s failed; isolating the failing movement", request.device_id)
    with write_transaction(conn):
        return _Batch(conn, request, rules, received_ms, isolate=True).run()


def push_in_transaction(
    conn: sqlite3.Connection, request: PushRequest, rules: Rules, received_ms: int
) -> dict[str, Any]:
    """``push`` inside the caller's write transaction, which others may share.

    The same rules as ``push``: a ShelfsyncError leaves nothing of this push
    (the caller rolls back to a savepoint around the call), and an internal
    failure is rolled back here and the batch run again, isolated.
    """
    conn.execute("SAVEPOINT batch")
    try:
        result = _Batch(conn, request, rules, received_ms, isolate=False).run()
        conn.execute("RELEASE SAVEPOINT batch")
        return result
    except ShelfsyncError:
        conn.execute("ROLLBACK TO SAVEPOINT batch")
        conn.execute("RELEASE SAVEPOINT batch")
        raise
    except Exception as exc:
        if is_transient(exc):
            raise
        conn.execute("ROLLBACK TO SAVEPOINT batch")
        conn.execute("RELEASE SAVEPOINT batch")
        log.exception("push from %s failed; isolating the failing movement", request.device_id)
    return _Batch(conn, request, rules, received_ms, isolate=True).run()


def run_batch(
    conn: sqlite3.Connection, request: PushRequest, rules: Rules, received_ms: int
) -> dict[str, Any]:
    """Merge a batch inside the caller's write transaction (no isolation retry)."""
    return _Batch(conn, request, rules, received_ms, isolate=False).run()


class _Batch:
    def __init__(
        self,
        conn: sqlite3.Connection,
        request: PushRequest,
        rules: Rules,
        received_ms: int,
        *,
        isolate: bool,
    ) -> None:
        self.conn, self.request, self.rules = conn, request, rules
        self.received_ms, self.isolate = received_ms, isolate
        self.known: dict[str, str] = {}

    def run(self) -> dict[str, Any]:
        conn, req = self.conn, self.request
        device = conn.execute(
            "SELECT last_seq, last_event_ms, revoked_at FROM devices WHERE id = ?",
            (req.device_id,),
        ).fetchone()
        if device is None or device["revoked_at"] is not None:
            raise DeviceRefused("this device is not registered here, or has been revoked")
        current_epoch = epoch(conn)
        if req.epoch is not None and req.epoch != current_epoch:
            raise EpochMismatch(
                "the server's database was restored or replaced: pull with reset, then push again"
            )
        last_seq = int(device["last_seq"])
        order = sorted(range(len(req.movements)), key=lambda i: req.movements[i].seq)
        self._refuse_forks(last_seq, order)

        catalog = catalog_for(conn)
        poster = Poster(conn)
        new = [m for m in req.movements if m.seq > last_seq]
        self.known = self._digests([m.id for m in new])
        poster.prefetch(stock_keys(catalog, new))
        clock = EventClock(req.device_time_ms, self.received_ms, device["last_event_ms"])
        received_at = ms_to_iso(self.received_ms)
        merger = Merger(conn, poster, catalog, self.rules, req.device_id, clock, received_at)
        merger.refs = BatchRefs.read(conn, (m.movement for m in new))

        results: dict[int, dict[str, Any]] = {}
        fresh: dict[str, tuple[Incoming, Result]] = {}  # merged in this batch, by id
        stopped: dict[str, Any] | None = None
        for index in order:
            inc = req.movements[index]
            if inc.seq <= last_seq:
                results[index] = self._replay(inc, fresh)
                continue
            if inc.seq > last_seq + 1:
                stopped = {"reason": "gap", "expected_seq": last_seq + 1}
                break
            earlier = fresh.get(inc.id) or (
                self._stored_by_id(inc.id) if inc.id in self.known else None
            )
            if earlier is not None:
                results[index] = self._resend(inc, earlier)
                last_seq += 1
                continue
            if self.isolate:
                outcome = self._merge_isolated(merger, poster, clock, inc)
                if outcome is None:
                    stopped = {"reason": "temporary", "retry_after_ms": self.rules.retry_after_ms}
                    break
                result = outcome
            else:
                result = merger.merge(inc)
            fresh[inc.id] = (inc, result)
            results[index] = result.as_json()
            last_seq += 1
        poster.flush()
        conn.execute(
            "UPDATE devices SET last_seq = ?, last_event_ms = ?, clock_offset_ms = ?,"
            " last_push_at = ?, app_version = coalesce(?, app_version),"
            " pending = coalesce(?, pending), oldest_pending_at = ? WHERE id = ?",
            (last_seq, clock.floor_ms, clock.offset_ms, received_at, req.app_version,
             req.pending, req.oldest_pending_at, req.device_id),
        )  # fmt: skip
        conn.execute(
            "INSERT INTO device_clock(device_id, server_time, device_time, offset_ms)"
            " VALUES (?, ?, ?, ?)",
            (req.device_id, received_at, ms_to_iso(req.device_time_ms), clock.offset_ms),
        )
        return {
            "epoch": current_epoch,
            "server_time": iso_now(),
            "device_last_seq": last_seq,
            "results": [results[i] for i in range(len(req.movements)) if i in results],
            "stopped": stopped,
        }

    # -- replays and resends --------------------------------------------------------

    def _refuse_forks(self, last_seq: int, order: list[int]) -> None:
        """Same seq, other id — in the batch or against what is stored: 409, nothing posted."""
        seen: dict[int, str] = {}
        for index in order:
            inc = self.request.movements[index]
            if seen.setdefault(inc.seq, inc.id) != inc.id:
                raise DeviceForked(f"seq {inc.seq} is used by two different movements")
            if inc.seq <= last_seq:
                stored = self._stored_id_for_seq(inc.seq)
                if stored is not None and stored != inc.id:
                    raise DeviceForked(
                        f"seq {inc.seq} was {stored} here, not {inc.id}: register the device again"
                    )

    def _stored_id_for_seq(self, seq: int) -> str | None:
        row = self.conn.execute(
            "SELECT id FROM movements WHERE device_id = ? AND seq = ?"
            " UNION ALL SELECT movement_id FROM seq_aliases WHERE device_id = ? AND seq = ?",
            (self.request.device_id, seq, self.request.device_id, seq),
        ).fetchone()
        return None if row is None else str(row[0])

    def _digests(self, ids: list[str]) -> dict[str, str]:
        """Content digests of the ids already stored, looked up once per batch."""
        found: dict[str, str] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                self.conn.execute(
                    f"SELECT id, digest FROM movements WHERE id IN ({marks})", chunk
                ).fetchall()
            )
        return found

    def _stored_by_id(self, movement_id: str) -> tuple[str, dict[str, Any]] | None:
        digest = self.known.get(movement_id)
        if digest is None:
            row = self.conn.execute(
                "SELECT digest FROM movements WHERE id = ?", (movement_id,)
            ).fetchone()
            if row is None:
                return None
            digest = row[0]
        return digest, stored_result(self.conn, movement_id)

    def _same_content(self, inc: Incoming, stored_digest: str) -> bool:
        """Whether ``inc`` says what the stored movement with its id says.

        A row stored by an older server holds a digest of how that movement's
        JSON was spelled (see ``movement._digest``), so on a mismatch the
        stored movement is digested again, as it is now, before it is called
        another movement.  Only a mismatch pays for it: a reused id, or a
        resend in another form of a movement stored before.
        """
        if stored_digest == inc.digest:
            return True
        row = self.conn.execute("SELECT payload FROM movements WHERE id = ?", (inc.id,)).fetchone()
        if row is None:
            return False
        try:
            return decode_movement(0, row[0].encode()).digest == inc.digest
        except ShelfsyncError:  # not even its id decodes now: nothing to match
            return False

    def _replay(self, inc: Incoming, fresh: dict[str, tuple[Incoming, Result]]) -> dict[str, Any]:
        alias = self.conn.execute(
            "SELECT rejected FROM seq_aliases WHERE device_id = ? AND seq = ?",
            (self.request.device_id, inc.seq),
        ).fetchone()
        if alias is not None and alias[0] is not None:
            return _id_reused(inc, replayed=True)
        if inc.id in fresh:
            stored_inc, result = fresh[inc.id]
            if stored_inc.digest != inc.digest:
                return _id_reused(inc, replayed=True)
            return {**result.as_json(), "seq": inc.seq, "replayed": True}
        found = self._stored_by_id(inc.id)
        if found is None:  # a seq below device_last_seq we hold no row for
            return _id_reused(inc, replayed=True)
        digest, stored = found
        if not self._same_content(inc, digest):
            return _id_reused(inc, replayed=True)
        return {**stored, "seq": inc.seq, "replayed": True}

    def _resend(
        self, inc: Incoming, earlier: tuple[Incoming, Result] | tuple[str, dict[str, Any]]
    ) -> dict[str, Any]:
        """A new seq carrying an id already stored: the same movement again, or a reused id."""
        if isinstance(earlier[0], Incoming):  # merged in this batch: digested as now
            same = earlier[0].digest == inc.digest
            stored = earlier[1].as_json()
        else:
            digest, stored = earlier
            same = self._same_content(inc, digest)
        self.conn.execute(
            "INSERT INTO seq_aliases(device_id, seq, movement_id, rejected) VALUES (?, ?, ?, ?)",
            (self.request.device_id, inc.seq, inc.id, None if same else "ID_REUSED"),
        )
        if same:
            return {**stored, "seq": inc.seq, "replayed": True}
        return _id_reused(inc, replayed=False)

    # -- isolating an internal failure ---------------------------------------------------

    def _merge_isolated(
        self, merger: Merger, poster: Poster, clock: EventClock, inc: Incoming
    ) -> Result | None:
        """Merge one movement inside a savepoint; None = stop the batch and retry later."""
        conn = self.conn
        seq_before, floor_before = poster.last_seq, clock.floor_ms
        conn.execute("SAVEPOINT movement")
        try:
            result = merger.merge(inc)
            poster.flush()
            conn.execute("RELEASE SAVEPOINT movement")
            return result
        except ShelfsyncError:
            raise
        except Exception as exc:
            if is_transient(exc):
                raise  # the database, not the movement: nothing is counted against it
            conn.execute("ROLLBACK TO SAVEPOINT movement")
            conn.execute("RELEASE SAVEPOINT movement")
            poster.forget(seq_before)
            merger.forget_unflushed()
            clock.floor_ms = floor_before
            error = f"{type(exc).__name__}: {exc}"
            tries = conn.execute(
                "INSERT INTO movement_failures(device_id, seq, movement_id, tries, last_error)"
                " VALUES (?, ?, ?, 1, ?) ON CONFLICT(device_id, seq) DO UPDATE SET"
                " tries = tries + 1, last_error = excluded.last_error RETURNING tries",
                (self.request.device_id, inc.seq, inc.id, error),
            ).fetchone()[0]
            log.error("movement %s failed (try %d): %s", inc.id, tries, error)
            if tries < self.rules.internal_retries:
                return None
        return self._record_internal(merger, poster, inc, tries)

    def _record_internal(self, merger: Merger, poster: Poster, inc: Incoming, tries: int) -> Result:
        seq_no = poster.next_seq()
        event_ms, uncertain = merger.clock.place(None)
        message = f"could not be posted after {tries} tries; a supervisor has been told"
        poster.movement(
            (
                inc.id, self.request.device_id, inc.seq, seq_no, seq_no,
                inc.movement.kind if inc.movement else "?", None, None, event_ms, int(uncertain),
                merger.received_at, 0, None, "", None, None, None, "rejected", "rejected",
                "INTERNAL", message, inc.digest, inc.payload,
            )
        )  # fmt: skip
        poster.flush()
        return Result(inc.id, inc.seq, "rejected", seq_no, [], message, "INTERNAL")


def _id_reused(inc: Incoming, *, replayed: bool) -> dict[str, Any]:
    return {
        "id": inc.id,
        "seq": inc.seq,
        "outcome": "rejected",
        "replayed": replayed,
        "server_seq": None,
        "conflicts": [],
        "message": f"id {inc.id} was already used for a different movement",
        "code": "ID_REUSED",
    }
