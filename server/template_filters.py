"""Jinja filters shared by the pages.

    {{ row.at | when }}            2026-12-03 05:44 (UTC, to the minute)
    {{ row.at | when("never") }}   the same, or "never" when there is no time

Times are stored as ISO 8601 in UTC (``2026-12-03T05:44:20.261Z``); people
read them to the minute.  A value that is not such a time is shown as it is.
"""

from __future__ import annotations

import re

from jinja2 import Environment

__all__ = ["install"]

_ISO = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d)")


def when(value: object, missing: str = "") -> str:
    if value is None or value == "":
        return missing
    text = str(value)
    found = _ISO.match(text)
    return f"{found[1]} {found[2]}" if found else text


def install(env: Environment) -> None:
    env.filters["when"] = when
