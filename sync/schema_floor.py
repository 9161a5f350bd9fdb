"""Migration ``m012_floor``: what the floor app's pull needs to tell devices.

- ``pick_list_handoffs``: each time a pick list is assigned away from a
  picker, who had it and who has it now, with the ``server_seq`` of the
  change, so the old picker's devices learn on their next pull that the list
  left them (``handoffs.py``).
- ``rmas_seq``: RMAs reach the devices of returns clerks by the ``server_seq``
  of their last change (made, refunded, goods received against them).
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m012_floor(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE pick_list_handoffs (
            id INTEGER PRIMARY KEY,
            pick_list_id INTEGER NOT NULL REFERENCES pick_lists(id),
            from_user TEXT NOT NULL,
            to_user TEXT NOT NULL,
            at TEXT NOT NULL,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX pick_list_handoffs_from ON pick_list_handoffs(from_user, server_seq);
        CREATE INDEX rmas_seq ON rmas(server_seq);
        """
    )
