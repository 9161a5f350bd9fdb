"""shelfsync's heart: movements, the append-only ledger, merge rules, conflicts.

Nothing here knows about HTTP.  A caller opens a connection with
``sync.db.connect``, applies ``sync.schema.migrate``, and calls the functions
below; the whole merge logic can be driven with literal movements.
"""

from __future__ import annotations

from .db import connect, read_transaction, write_transaction
from .local import post_local
from .movement import PushRequest, decode_push
from .pull import PullRequest, decode_pull, pull
from .push import push
from .readback import get_movement, get_stock
from .rules import Rules
from .schema import migrate
from .verify import rebuild_stock, verify

__all__ = [
    "connect",
    "read_transaction",
    "write_transaction",
    "migrate",
    "Rules",
    "PushRequest",
    "decode_push",
    "push",
    "PullRequest",
    "decode_pull",
    "pull",
    "post_local",
    "get_movement",
    "get_stock",
    "verify",
    "rebuild_stock",
]
