"""Migration m004_intake: payments, outbound webhooks, put-backs, task status.

Registered in the same migration set as ``schema.py`` (imported at its end).

- ``payment_events``: every payment webhook event by the provider's id, so a
  resent event changes nothing twice;
- ``webhook_endpoints``, ``webhook_deliveries`` (one row per endpoint and
  event: the bookkeeping is exactly-once) and ``webhook_attempts`` (one row
  per try);
- ``line_picks``: which pick movement took how much of an order line from
  where (what a put-back has to bring back);
- ``putback_tasks``: picked units of a cancelled order, to go back to a bin;
- ``pick_tasks.status``: open, done or cancelled, so a device learns that a
  task of a cancelled order must not be picked.
"""

from __future__ import annotations

from sqlite_utils import Database

from .schema import migrations

__all__: list[str] = []


@migrations()
def m004_intake(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE payment_events (
            id INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            order_id INTEGER NOT NULL REFERENCES orders(id),
            status TEXT NOT NULL,
            before TEXT NOT NULL,
            applied INTEGER NOT NULL,
            note TEXT,
            digest TEXT NOT NULL,
            received_at TEXT NOT NULL
        );
        CREATE INDEX payment_events_order ON payment_events(order_id, id);
        CREATE TRIGGER payment_events_no_update BEFORE UPDATE ON payment_events
            BEGIN SELECT RAISE(ABORT, 'payment history is append-only'); END;

        CREATE TABLE webhook_endpoints (
            id INTEGER PRIMARY KEY,
            url TEXT NOT NULL,
            secret TEXT NOT NULL,
            events TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL
        );
        -- One row per (endpoint, event): enqueued once, whatever happens after.
        CREATE TABLE webhook_deliveries (
            id INTEGER PRIMARY KEY,
            endpoint_id INTEGER NOT NULL REFERENCES webhook_endpoints(id),
            event_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            payload BLOB NOT NULL,
            state TEXT NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'delivered', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_ms INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            done_at TEXT,
            UNIQUE (endpoint_id, event_id)
        );
        CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_ms)
            WHERE state = 'pending';
        CREATE TABLE webhook_attempts (
            id INTEGER PRIMARY KEY,
            delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id),
            attempt INTEGER NOT NULL,
            at TEXT NOT NULL,
            status_code INTEGER,
            error TEXT,
            ms INTEGER NOT NULL,
            UNIQUE (delivery_id, attempt)
        );

        CREATE TABLE line_picks (
            id INTEGER PRIMARY KEY,
            order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
            movement_seq INTEGER NOT NULL,
            task_id INTEGER,
            from_id INTEGER NOT NULL,
            to_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            units INTEGER NOT NULL,
            user TEXT NOT NULL
        );
        CREATE INDEX line_picks_line ON line_picks(order_line_id);
        CREATE INDEX line_picks_task ON line_picks(task_id) WHERE task_id IS NOT NULL;

        CREATE TABLE putback_tasks (
            id INTEGER PRIMARY KEY,
            order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
            item_id INTEGER NOT NULL,
            from_id INTEGER NOT NULL,
            to_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty > 0),
            assigned_to TEXT,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
            created_at TEXT NOT NULL,
            done_seq INTEGER,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX putback_tasks_assigned ON putback_tasks(assigned_to, server_seq);

        ALTER TABLE pick_tasks ADD COLUMN status TEXT NOT NULL DEFAULT 'open'
            CHECK (status IN ('open', 'done', 'cancelled'));
        """
    )
