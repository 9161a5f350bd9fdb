"""Slow down password guessing: too many failed logins lock a name for a while.

Failures are counted per username (case-folded) and per client address over
a sliding window.  A name with ``max_failures`` failures in the window is
refused — even with the right password — until the oldest of them leaves the
window; an address gets five times as many tries (several people share a
handheld's network).  Both the login form and device registration with a
password go through one throttle, kept in memory: a restart forgets it,
which is acceptable for a lock measured in minutes.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from server.errors import TooManyAttempts

__all__ = ["LoginThrottle"]

ADDRESS_FACTOR = 5
MAX_KEYS = 10_000


class LoginThrottle:
    def __init__(
        self,
        max_failures: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def check(self, username: object, address: str | None) -> None:
        """Raise ``TooManyAttempts`` when this name or address is locked."""
        now = self.clock()
        for key, limit in self._keys(username, address):
            times = self._recent(key, now)
            if len(times) >= limit:
                wait = times[-limit] + self.window_seconds - now
                minutes = max(1, math.ceil(wait / 60))
                raise TooManyAttempts(
                    f"too many failed logins: try again in {minutes} minute"
                    + ("s" if minutes != 1 else ""),
                    retry_after_s=max(1, math.ceil(wait)),
                )

    def failed(self, username: object, address: str | None) -> None:
        now = self.clock()
        if len(self._failures) >= MAX_KEYS:
            self._forget_old(now)
        for key, _ in self._keys(username, address):
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, username: object) -> None:
        self._failures.pop(f"user:{_fold(username)}", None)

    def _keys(self, username: object, address: str | None) -> list[tuple[str, int]]:
        keys = [(f"user:{_fold(username)}", self.max_failures)]
        if address:
            keys.append((f"addr:{address}", self.max_failures * ADDRESS_FACTOR))
        return keys

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_seconds:
            times.popleft()
        return times

    def _forget_old(self, now: float) -> None:
        for key in list(self._failures):
            if not self._recent(key, now):
                del self._failures[key]


def _fold(username: object) -> str:
    return username.strip().casefold() if isinstance(username, str) else ""
