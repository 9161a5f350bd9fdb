"""Backups and restores of the SQLite database.

``backup`` uses SQLite's online backup API: it copies a consistent snapshot
while the server keeps running (in WAL mode readers never block writers), into
a temporary file that is renamed into place only when complete, so a half
written backup never looks like a good one.  The copy is a single
self-contained file (rollback journal mode, no ``-wal`` beside it).

``restore`` copies a backup over the database — refused while a server runs on it —
and gives the restored database a new epoch, as the sync protocol requires:
devices that synced with the database as it was before the restore see the
epoch change, pull with reset, and push their outboxes again.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from server.serving_lock import ServerRunning, ServingLock
from sync.db import connect, write_transaction
from sync.errors import Conflict, InvalidRequest
from sync.meta import epoch, new_epoch
from sync.schema import migrate

__all__ = ["backup", "restore", "check_backup"]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def backup(conn: sqlite3.Connection, dest_path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a consistent copy of the database behind ``conn`` to ``dest_path``."""
    dest = Path(dest_path)
    main_file = conn.execute("PRAGMA database_list").fetchone()["file"]
    if main_file and _same_file(dest, Path(main_file)):
        raise InvalidRequest(f"{dest} is the database itself; choose another file for the backup")
    if dest.exists() and not overwrite:
        raise Conflict(f"{dest} already exists; choose another name or overwrite it on purpose")
    if dest.parent and not dest.parent.is_dir():
        raise InvalidRequest(f"{dest.parent} is not a directory")
    tmp = dest.with_name(f".{dest.name}.partial")
    tmp.unlink(missing_ok=True)
    target = sqlite3.connect(tmp)
    try:
        conn.backup(target)  # all pages in one step: one consistent snapshot
        target.execute("PRAGMA journal_mode = DELETE")
        result = target.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise RuntimeError(f"the backup failed its check: {result}")
    except BaseException:
        target.close()
        tmp.unlink(missing_ok=True)
        raise
    target.close()
    os.replace(tmp, dest)
    return dest


def check_backup(backup_path: str | Path) -> str:
    """The epoch recorded in a backup; raises InvalidRequest if it is not a usable one."""
    path = Path(backup_path)
    if not path.is_file():
        raise InvalidRequest(f"{path}: no such file")
    try:
        src = connect(path, readonly=True)
    except sqlite3.Error as exc:
        raise InvalidRequest(f"{path}: cannot open it as a database ({exc})") from None
    try:
        result = src.execute("PRAGMA quick_check").fetchone()[0]
        if result != "ok":
            raise InvalidRequest(f"{path}: the file is damaged ({result})")
        return epoch(src)
    except sqlite3.DatabaseError as exc:
        raise InvalidRequest(f"{path}: not a shelfsync database ({exc})") from None
    except RuntimeError:
        raise InvalidRequest(f"{path}: not a shelfsync database (it has no epoch)") from None
    finally:
        src.close()


def restore(backup_path: str | Path, db_path: str | Path) -> str:
    """Copy the backup over the database at ``db_path``; return the new epoch.

    The copy goes through SQLite's backup API into the database, so it is one
    transaction there and any ``-wal`` file of the old database is dealt with
    correctly.  Refused while a server has the database open (a running
    server keeps caches of the old database, and its epoch, in memory); a
    server starting meanwhile waits for the copy to finish.
    """
    source_path, target_path = Path(backup_path), Path(db_path)
    if _same_file(source_path, target_path):
        raise InvalidRequest("the backup and the database are the same file")
    check_backup(source_path)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        alone = ServingLock(target_path, shared=False)  # held until the copy is done
    except ServerRunning as exc:
        raise Conflict(
            f"{exc}, then restore: a running server keeps the old database's state in memory"
        ) from None
    try:
        src = connect(source_path, readonly=True)
        try:
            dst = connect(target_path)
            try:
                src.backup(dst)
                migrate(dst)
                with write_transaction(dst):
                    value = new_epoch(dst)
            finally:
                dst.close()
        finally:
            src.close()
    finally:
        alone.release()
    return value
