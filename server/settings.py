"""Settings: read once, each with a default and a line of help.

Every setting can come from the environment as ``SHELFSYNC_<NAME>`` (upper
case).  The README lists them all; a test checks that it does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["Settings", "SETTINGS_HELP"]


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    db: Path = _setting(Path("data/shelfsync.db"), "SQLite database file (created on first use)")
    host: str = _setting("127.0.0.1", "address `shelfsync serve` listens on")
    port: int = _setting(8000, "port `shelfsync serve` listens on")
    secret: str = _setting(
        "", "key that signs session cookies; empty = a random key kept in the database"
    )
    session_hours: int = _setting(12, "how long a login session lasts")
    access_log: bool = _setting(
        True, "`shelfsync serve` logs a line per request (about 7 % of a small request's CPU)"
    )
    secure_cookies: bool = _setting(
        False, "mark session cookies Secure (turn on when served over HTTPS)"
    )
    busy_timeout_ms: int = _setting(
        5000, "how long a write waits for SQLite's lock before answering 503"
    )
    synchronous: str = _setting(
        "NORMAL", "SQLite synchronous mode (NORMAL is safe against process crashes in WAL)"
    )
    writer_cache_mb: int = _setting(
        256, "SQLite page cache of the connection that writes, in MiB (index pages stay hot)"
    )
    mmap_mb: int = _setting(
        4096, "how much of the database file SQLite reads through a memory map, in MiB (0 = off)"
    )
    count_window_seconds: int = _setting(
        60, "clock uncertainty window: other devices' movements this close to a count hold it"
    )
    recount_window_hours: int = _setting(
        24, "two counts of one place within this many hours that disagree are held"
    )
    internal_retries: int = _setting(
        3, "tries before a movement that keeps failing internally is rejected (INTERNAL)"
    )
    retry_after_ms: int = _setting(2000, "back-off the server asks for after a transient fault")
    pull_max_limit: int = _setting(5000, "the most changes one pull page returns")
    enrolment_minutes: int = _setting(15, "how long a device enrolment code stays valid")
    login_max_failures: int = _setting(
        5, "failed logins that lock a username (an address gets five times as many)"
    )
    login_lockout_minutes: int = _setting(
        15, "the window failed logins are counted in, and how long a lock lasts"
    )
    scan_max_upload_mb: int = _setting(20, "largest photo `POST /api/scan` accepts, in MiB")
    scan_max_megapixels: int = _setting(
        50, "most pixels a scanned photo may have, read from its header before decoding"
    )
    scan_budget_ms: int = _setting(
        2000,
        "time a scan may spend decoding; each bigger pass runs only if it fits",
    )
    carrier_webhook_secret: str = _setting(
        "", "shared secret the carrier signs tracking webhooks with; empty = webhook refused"
    )
    carrier_webhook_tolerance_seconds: int = _setting(
        300, "how far a carrier webhook's signed timestamp may be from now (replay window)"
    )
    payment_webhook_secret: str = _setting(
        "", "shared secret of the payment webhook's HMAC signature; empty = webhook refused"
    )
    webhook_tolerance_seconds: int = _setting(
        300, "how far a webhook signature's timestamp may be from the server's clock"
    )
    webhook_max_attempts: int = _setting(
        8, "tries of an outbound webhook delivery before it is given up"
    )
    webhook_backoff_ms: int = _setting(
        2000, "first retry delay of an outbound webhook; doubles each try, with jitter"
    )
    webhook_backoff_max_ms: int = _setting(
        3_600_000, "longest delay between two tries of an outbound webhook"
    )
    webhook_timeout_ms: int = _setting(10_000, "how long one outbound webhook request may take")
    webhook_poll_ms: int = _setting(
        500, "how often the outbound webhook task looks for new events and due retries"
    )

    bulk_accept_max_value: int = _setting(
        50, "the most a count variance may be worth (units × unit cost) to be bulk accepted"
    )
    silent_device_hours: int = _setting(
        4, "a device this long without a push, with work pending, stands out and is pushed about"
    )
    push_interval_seconds: int = _setting(
        60, "how often web pushes go out; new conflicts in one interval make one push"
    )
    push_contact: str = _setting(
        "mailto:supervisor@shelfsync.invalid",
        "contact (mailto: or https:) sent to push services with each push (VAPID sub)",
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``SHELFSYNC_*`` variables, then explicit overrides."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"SHELFSYNC_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _convert(f.name, type(f.default), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "db" in values:
            values["db"] = Path(values["db"])
        return replace(cls(), **values)


def _convert(name: str, kind: type, raw: str) -> Any:
    try:
        if kind is bool:
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if kind is int:
            return int(raw)
        if issubclass(kind, Path):
            return Path(raw)
        return raw
    except ValueError:
        raise SystemExit(
            f"SHELFSYNC_{name.upper()}={raw!r} is not a valid {kind.__name__}"
        ) from None


SETTINGS_HELP: dict[str, str] = {f.name: f.metadata["help"] for f in fields(Settings)}
