"""Migrations of the order side: orders, their lines and history, reservations.

Registered in the same migration set as ``schema.py`` (imported at its end),
so they apply after the core tables.
"""

from __future__ import annotations

from sqlite_utils import Database

from .kinds import ORDER_STATUSES, PAYMENT_STATUSES
from .schema import migrations

__all__: list[str] = []


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


@migrations()
def m002_orders(db: Database) -> None:
    db.executescript(
        f"""
        -- number is what people and movements use ("SO-55"; a line is "SO-55/3").
        -- (channel, external_ref) makes creation idempotent: a retried webhook
        -- finds the order it made; digest tells a retry from a different order.
        CREATE TABLE orders (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            channel TEXT NOT NULL,
            external_ref TEXT NOT NULL,
            customer TEXT NOT NULL,
            ship_to TEXT NOT NULL,
            priority INTEGER NOT NULL DEFAULT 5 CHECK (priority BETWEEN 1 AND 9),
            requested_date TEXT,
            payment_status TEXT NOT NULL DEFAULT 'pending'
                CHECK (payment_status IN {_in(PAYMENT_STATUSES)}),
            status TEXT NOT NULL CHECK (status IN {_in(ORDER_STATUSES)}),
            digest TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            server_seq INTEGER NOT NULL,
            UNIQUE (channel, external_ref)
        );
        CREATE INDEX orders_status ON orders(status, priority);

        CREATE TABLE order_lines (
            id INTEGER PRIMARY KEY,
            order_id INTEGER NOT NULL REFERENCES orders(id),
            line_no INTEGER NOT NULL,
            item_id INTEGER NOT NULL REFERENCES items(id),
            qty INTEGER NOT NULL CHECK (qty > 0),
            -- units picked against the line so far (a projection of its picks)
            picked INTEGER NOT NULL DEFAULT 0,
            UNIQUE (order_id, line_no)
        );

        -- Every status change, who and when.  Append-only.
        CREATE TABLE order_events (
            id INTEGER PRIMARY KEY,
            order_id INTEGER NOT NULL REFERENCES orders(id),
            from_status TEXT,
            to_status TEXT NOT NULL,
            by_user TEXT NOT NULL,
            at TEXT NOT NULL,
            note TEXT
        );
        CREATE INDEX order_events_order ON order_events(order_id, id);
        CREATE TRIGGER order_events_no_update BEFORE UPDATE ON order_events
            BEGIN SELECT RAISE(ABORT, 'order history is append-only'); END;
        CREATE TRIGGER order_events_no_delete BEFORE DELETE ON order_events
            BEGIN SELECT RAISE(ABORT, 'order history is append-only'); END;

        -- Stock promised to an order line at one place.  Available stock is
        -- on hand minus the active (unreleased) reservations there.
        CREATE TABLE reservations (
            id INTEGER PRIMARY KEY,
            order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
            item_id INTEGER NOT NULL,
            location_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty > 0),
            created_at TEXT NOT NULL,
            released_at TEXT,
            released_why TEXT
        );
        CREATE INDEX reservations_active ON reservations(item_id, location_id, lot)
            WHERE released_at IS NULL;
        CREATE INDEX reservations_line ON reservations(order_line_id);

        -- A pick list: tasks for one picker in one zone, in walk order, one
        -- tote per order (cluster picking).  Devices pull the tasks of the
        -- lists assigned to their user.
        CREATE TABLE pick_lists (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            zone TEXT,
            assigned_to TEXT,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'cancelled')),
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX pick_lists_assigned ON pick_lists(assigned_to, status);
        CREATE TABLE pick_tasks (
            id INTEGER PRIMARY KEY,
            pick_list_id INTEGER NOT NULL REFERENCES pick_lists(id),
            walk INTEGER NOT NULL,
            reservation_id INTEGER NOT NULL REFERENCES reservations(id),
            order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
            item_id INTEGER NOT NULL,
            location_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty > 0),
            tote_id INTEGER NOT NULL REFERENCES locations(id),
            server_seq INTEGER NOT NULL,
            UNIQUE (reservation_id)
        );
        CREATE INDEX pick_tasks_list ON pick_tasks(pick_list_id, walk);
        CREATE INDEX pick_tasks_seq ON pick_tasks(server_seq);
        """
    )
