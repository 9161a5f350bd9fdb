"""Time: ISO 8601 text on the wire, integer milliseconds inside.

Device clocks are hints (protocol, principle 4).  The server keeps the offset
between a device's clock and its own at each push, and places each movement
at ``recorded_at + offset``, clamped to be no earlier than the device's
previous movement and no later than the moment it was received.  A clamped
time is marked uncertain.

A time is written in ASCII digits: "٠٩:٥٥" or "０９:５５" is refused like any
other text that is not a time.  Only the years 1 to 9999 (UTC) can be shown
as ISO text, so a time outside them is refused where it is read, and an
event time placed before them (a device clock that jumped far ahead between
a scan and the push) is clamped to their start.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from functools import lru_cache

__all__ = ["now_ms", "iso_now", "ms_to_iso", "parse_iso_ms", "canonical_iso", "EventClock"]

# ASCII digits only: a bare \d also matches "٠٩" or "０９", which int() reads as 9
_CANONICAL = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z", re.ASCII)
_MIN_MS = -62_135_596_800_000  # 0001-01-01T00:00:00.000Z
_MAX_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def ms_to_iso(ms: int) -> str:
    """``2026-11-23T09:55:12.331Z`` for a millisecond timestamp."""
    dt = datetime.fromtimestamp(ms / 1000, tz=UTC)
    # %Y does not pad years before 1000 to four digits everywhere; ISO 8601 needs it
    return f"{dt.year:04d}" + dt.strftime("-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def canonical_iso(text: str) -> str:
    """The instant ``text`` names, written as ``ms_to_iso`` writes it
    (``2026-11-23T10:55:12+01:00`` -> ``2026-11-23T09:55:12.000Z``); text
    already in that form is returned as it is.  ValueError as ``parse_iso_ms``."""
    if _CANONICAL.fullmatch(text):
        return text
    return ms_to_iso(parse_iso_ms(text))


def iso_now() -> str:
    return ms_to_iso(now_ms())


@lru_cache(maxsize=64)
def _day_ms(date: str) -> int:
    """Milliseconds at the start of the day ``YYYY-MM-DD`` (UTC); ValueError if no such day."""
    return int(datetime.fromisoformat(date + "T00:00:00+00:00").timestamp()) * 1000


@lru_cache(maxsize=4096)  # each movement's time is checked, then placed
def parse_iso_ms(text: str) -> int:
    """Milliseconds since 1970 for an ISO 8601 time with a zone.

    Raises ValueError for text that is not such a time (a time without a zone
    would be read in the server's zone, so it is refused), and for a time
    outside the years 1 to 9999 in UTC, which ``ms_to_iso`` could not show.
    """
    if _CANONICAL.fullmatch(text if isinstance(text, str) else ""):
        # what devices send (2026-11-23T09:55:12.331Z): read without datetime
        hour, minute, second = int(text[11:13]), int(text[14:16]), int(text[17:19])
        if hour < 24 and minute < 60 and second < 60:
            try:
                day = _day_ms(text[:10])
            except ValueError:
                raise ValueError(f"{text!r} is not an ISO 8601 time") from None
            return day + ((hour * 60 + minute) * 60 + second) * 1000 + int(text[20:23])
    if not isinstance(text, str) or not text:
        raise ValueError("expected an ISO 8601 time such as 2026-11-23T09:55:12.331Z")
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time") from None
    if dt.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone (end it with Z)")
    ms = int(dt.timestamp() * 1000)
    if not _MIN_MS <= ms <= _MAX_MS:
        raise ValueError(f"{text!r} is outside the years 1 to 9999 (UTC)")
    return ms


class EventClock:
    """Corrected event times for the movements of one push from one device."""

    __slots__ = ("floor_ms", "offset_ms", "received_ms")

    def __init__(self, device_time_ms: int, received_ms: int, previous_event_ms: int | None):
        self.offset_ms = received_ms - device_time_ms
        self.received_ms = received_ms
        self.floor_ms = previous_event_ms if previous_event_ms is not None else None

    def place(self, recorded_ms: int | None) -> tuple[int, bool]:
        """The event time of one movement and whether it had to be clamped.

        Call in device order: each result becomes the floor for the next.  A
        movement with no time of its own (none, or none that can be read: it is
        rejected) is placed at the floor, or at arrival when there is none, and
        leaves the floor alone: else every later movement of the device would be
        clamped to its arrival, after other devices' movements made before them.
        """
        if recorded_ms is None:
            return (self.received_ms if self.floor_ms is None else self.floor_ms), True
        uncertain = False
        event = recorded_ms + self.offset_ms
        if event > self.received_ms:
            event, uncertain = self.received_ms, True
        if event < _MIN_MS:
            event, uncertain = _MIN_MS, True
        if self.floor_ms is not None and event < self.floor_ms:
            event, uncertain = self.floor_ms, True
        self.floor_ms = event
        return event, uncertain
