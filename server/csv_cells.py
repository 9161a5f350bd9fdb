"""Cells of the CSV files people open in a spreadsheet (the audit trail, the
stock export): text a spreadsheet would run as a formula is made plain text.

A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return) is a formula to Excel and LibreOffice.  Such text comes from devices
(a movement's user, a lot, a note), so it gets a leading apostrophe, which
spreadsheets show as text and do not display.  Numbers are left alone.
"""

from __future__ import annotations

__all__ = ["spreadsheet_safe"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """``value`` for a CSV cell: None as empty, formula-like text as plain text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
