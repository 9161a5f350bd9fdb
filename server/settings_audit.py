"""Setting changes, noticed at start-up and written to the audit log.

Settings come from the environment, so they change when the server is
restarted with other values.  Each start compares them with the values the
previous start saw (kept in ``meta``) and records one ``setting_changed``
event per difference.  Secrets are recorded only as set or empty.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import fields

from server.settings import Settings
from sync.audit import record
from sync.meta import get_meta, set_meta

__all__ = ["record_setting_changes"]

_KEY = "settings_seen"
_HIDDEN = {"secret", "payment_webhook_secret"}


def _visible(settings: Settings) -> dict[str, str]:
    values = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if f.name in _HIDDEN:
            value = "(set)" if value else "(empty)"
        values[f.name] = str(value)
    return values


def record_setting_changes(conn: sqlite3.Connection, settings: Settings) -> list[str]:
    """Record what changed since the last start; returns the names.  In a write
    transaction.  The first start only remembers the values."""
    now = _visible(settings)
    seen_text = get_meta(conn, _KEY)
    changed = []
    if seen_text is not None:
        seen = json.loads(seen_text)
        for name, value in now.items():
            if seen.get(name) != value:
                changed.append(name)
                record(conn, "setting_changed", actor="server start",
                       detail={"setting": name, "from": seen.get(name), "to": value})  # fmt: skip
    set_meta(conn, _KEY, json.dumps(now, sort_keys=True))
    return changed
