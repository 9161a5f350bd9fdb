"""Whether a server is using a database file.

A server holds a shared lock on a file beside the database
(``<db>-server.lock``) for as long as its store is open; ``restore`` takes it
exclusively and refuses while any server holds it: a running server keeps the
old database's state in memory (its epoch, the catalog), so restoring under
it would mix two databases.  A ``flock`` lock belongs to the open file, so it
ends when the server closes its store or its process ends however it ends
(SIGKILL included): a crashed server never leaves it behind.  It is a lock of
its own file, apart from SQLite's locks on the database.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

__all__ = ["ServerRunning", "ServingLock", "lock_path"]


class ServerRunning(Exception):
    """A server holds the database: what needs it alone must wait for it to stop."""


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + "-server.lock")


class ServingLock:
    """``shared``: a server using ``db`` (waits while a restore runs); else the
    database alone, or ``ServerRunning`` at once."""

    def __init__(self, db: Path, *, shared: bool) -> None:
        self._fd: int | None = os.open(lock_path(db), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if shared:
                fcntl.flock(self._fd, fcntl.LOCK_SH)
            else:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.release()
            raise ServerRunning(f"a shelfsync server is using {db}: stop it first") from None
        except BaseException:
            self.release()
            raise

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
