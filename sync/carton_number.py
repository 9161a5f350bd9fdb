"""A carton's number: ``CTN-`` and its id (``CT-n`` is a count task's)."""

from __future__ import annotations

import sqlite3

__all__ = ["name_carton"]


def name_carton(conn: sqlite3.Connection, carton_id: int) -> str:
    """Give the carton just inserted (with number '') its number; returns it."""
    number = f"CTN-{carton_id}"
    conn.execute("UPDATE cartons SET number = ? WHERE id = ?", (number, carton_id))
    return number
