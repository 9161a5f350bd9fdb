"""The number in an id or a reference: ``c-17``, ``CT-7``, ``SO-55/3``, ``PB-4``.

Such numbers come from devices, URLs, forms and JSON bodies, so they are
read strictly, in one place.  ``str.isdigit`` is not enough: it accepts any
Unicode digit ("²", which ``int`` refuses, or "١", which it reads as 1) and
any length, and a number past 64 bits cannot even be asked about in SQLite.
A text that is not such a number names nothing here; callers treat it as
they treat an unknown id.
"""

from __future__ import annotations

__all__ = ["MAX_DIGITS", "parse_number"]

MAX_DIGITS = 18  # every 18-digit number fits SQLite's signed 64-bit INTEGER


def parse_number(text: str) -> int | None:
    """``"17"`` -> 17; None unless ``text`` is 1 to 18 ASCII digits (leading zeros allowed)."""
    if 0 < len(text) <= MAX_DIGITS and text.isascii() and text.isdigit():
        return int(text)
    return None
