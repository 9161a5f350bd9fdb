"""The tunable rules of merging, passed in by the caller (never read globally)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Rules"]


@dataclass(frozen=True, slots=True)
class Rules:
    # Other devices' movements this close to a count (corrected times) make it ambiguous.
    count_window_ms: int = 60_000
    # Two counts of one place this close together that disagree are held.
    recount_window_ms: int = 24 * 3600 * 1000
    # Tries before a movement that keeps failing internally is rejected (INTERNAL).
    internal_retries: int = 3
    # The back-off asked for after a transient fault.
    retry_after_ms: int = 2000
