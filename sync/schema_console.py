"""Migration of the supervisor console: resolutions' details, the audit log,
web-push subscriptions and what the push sender has already told.

Registered in the same migration set as ``schema.py`` (imported at its end).
A recount request is a row of ``count_tasks``, made by the floor app's
``m006_count_tasks`` (registered before this one).
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m008_console(db: Database) -> None:
    db.executescript(
        """
        -- What a resolution did (JSON): the movements it posted, the quantity
        -- it settled on, the name it mapped, the count task it asked for.
        ALTER TABLE resolutions ADD COLUMN detail TEXT;
        -- The resolution that closed a conflict.
        ALTER TABLE conflicts ADD COLUMN resolution_id TEXT;
        -- The epoch a device last pulled in (for the fleet view).
        ALTER TABLE devices ADD COLUMN epoch TEXT;

        -- Logins (and failed ones), users added, role changes, setting changes,
        -- devices enrolled and revoked.  Append-only.
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            event TEXT NOT NULL,
            username TEXT,
            actor TEXT,
            device_id TEXT,
            address TEXT,
            detail TEXT
        );
        CREATE INDEX audit_log_at ON audit_log(at);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

        -- A browser's push subscription (PushSubscription.toJSON()), per user.
        CREATE TABLE push_subscriptions (
            id INTEGER PRIMARY KEY,
            endpoint TEXT NOT NULL UNIQUE,
            p256dh TEXT NOT NULL,
            auth TEXT NOT NULL,
            username TEXT NOT NULL,
            created_at TEXT NOT NULL,
            last_sent_at TEXT
        );
        CREATE INDEX push_subscriptions_user ON push_subscriptions(username);

        -- Devices the sender already reported silent, at which last push.
        CREATE TABLE silent_device_notices (
            device_id TEXT PRIMARY KEY,
            last_push_at TEXT,
            noticed_at TEXT NOT NULL
        );
        """
    )
