"""Migrations of the fulfilment side: pack, ship, deliver, return.

Registered in the same migration set as ``schema.py`` (imported at its end,
after the orders), so they apply after the order tables.
"""

from __future__ import annotations

from sqlite_utils import Database

from .kinds import (
    REFUND_STATUSES,
    RETURN_CONDITIONS,
    RETURN_DISPOSITIONS,
    SHIPMENT_EVENT_KINDS,
)
from .schema import _in, migrations

__all__: list[str] = []


@migrations()
def m003_fulfilment(db: Database) -> None:
    db.executescript(
        f"""
        -- Units of a line packed and shipped so far: projections of the line's
        -- pack and ship movements, kept by the merge (sync/fulfilment_hooks.py).
        ALTER TABLE order_lines ADD COLUMN packed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE order_lines ADD COLUMN shipped INTEGER NOT NULL DEFAULT 0;

        -- Where a line's picked units wait to be packed: + at the pick's
        -- destination, - at a pack's source.  Kept by the merge.
        CREATE TABLE line_staged (
            order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
            location_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL,
            PRIMARY KEY (order_line_id, location_id, lot)
        ) WITHOUT ROWID;

        -- A carton packed for one order, at a station or by a device (m014):
        -- "CTN-4" (cartons opened by older versions keep their "CT-4").
        CREATE TABLE cartons (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            order_id INTEGER NOT NULL REFERENCES orders(id),
            station_id INTEGER NOT NULL REFERENCES locations(id),
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'shipped')),
            weight_g INTEGER CHECK (weight_g > 0),
            opened_by TEXT NOT NULL,
            opened_at TEXT NOT NULL,
            closed_by TEXT,
            closed_at TEXT,
            shipment_id INTEGER REFERENCES shipments(id),
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX cartons_order ON cartons(order_id);
        -- What went into a carton, scan by scan; movement_id is the pack movement.
        CREATE TABLE carton_lines (
            id INTEGER PRIMARY KEY,
            carton_id INTEGER NOT NULL REFERENCES cartons(id),
            order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
            item_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL CHECK (qty > 0),
            from_id INTEGER NOT NULL,
            movement_id TEXT NOT NULL,
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX carton_lines_carton ON carton_lines(carton_id);

        -- One or more cartons handed to a carrier ("SH-3").
        CREATE TABLE shipments (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            order_id INTEGER NOT NULL REFERENCES orders(id),
            carrier TEXT NOT NULL,
            service TEXT NOT NULL,
            tracking_number TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL DEFAULT 'shipped' CHECK (status IN ('shipped', 'delivered')),
            shipped_by TEXT NOT NULL,
            shipped_at TEXT NOT NULL,
            delivered_at TEXT,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX shipments_order ON shipments(order_id);
        -- A shipment's history: shipped, the carrier's scans, delivered.
        -- event_id: the carrier's own event id (a retried delivery finds it).
        CREATE TABLE shipment_events (
            id INTEGER PRIMARY KEY,
            shipment_id INTEGER NOT NULL REFERENCES shipments(id),
            kind TEXT NOT NULL CHECK (kind IN {_in(SHIPMENT_EVENT_KINDS)}),
            at TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source IN ('staff', 'carrier')),
            by_user TEXT,
            detail TEXT,
            event_id TEXT UNIQUE,
            digest TEXT
        );
        CREATE INDEX shipment_events_shipment ON shipment_events(shipment_id, id);
        CREATE TRIGGER shipment_events_no_update BEFORE UPDATE ON shipment_events
            BEGIN SELECT RAISE(ABORT, 'shipment history is append-only'); END;
        CREATE TRIGGER shipment_events_no_delete BEFORE DELETE ON shipment_events
            BEGIN SELECT RAISE(ABORT, 'shipment history is append-only'); END;

        -- The customer's tracking link: only a SHA-256 of the token is kept.
        CREATE TABLE tracking_links (
            id INTEGER PRIMARY KEY,
            order_id INTEGER NOT NULL REFERENCES orders(id),
            token_sha256 TEXT NOT NULL UNIQUE,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        );
        CREATE INDEX tracking_links_order ON tracking_links(order_id);

        -- Return authorisations against shipped lines ("RMA-7").
        CREATE TABLE rmas (
            id INTEGER PRIMARY KEY,
            number TEXT NOT NULL UNIQUE,
            order_id INTEGER NOT NULL REFERENCES orders(id),
            reason TEXT NOT NULL,
            refund_status TEXT NOT NULL DEFAULT 'none'
                CHECK (refund_status IN {_in(REFUND_STATUSES)}),
            exchange_order_id INTEGER REFERENCES orders(id),
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            server_seq INTEGER NOT NULL
        );
        CREATE INDEX rmas_order ON rmas(order_id);
        CREATE TABLE rma_lines (
            id INTEGER PRIMARY KEY,
            rma_id INTEGER NOT NULL REFERENCES rmas(id),
            order_line_id INTEGER NOT NULL REFERENCES order_lines(id),
            item_id INTEGER NOT NULL,
            qty INTEGER NOT NULL CHECK (qty > 0),
            -- units received against it (a projection of its return movements)
            received INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX rma_lines_rma ON rma_lines(rma_id);
        CREATE INDEX rma_lines_order_line ON rma_lines(order_line_id);

        -- Every posted return movement, with or without an RMA (kept by the merge).
        CREATE TABLE return_receipts (
            movement_seq INTEGER PRIMARY KEY,
            rma_id INTEGER REFERENCES rmas(id),
            rma_line_id INTEGER REFERENCES rma_lines(id),
            item_id INTEGER NOT NULL,
            lot TEXT NOT NULL DEFAULT '',
            qty INTEGER NOT NULL,
            condition TEXT,
            location_id INTEGER NOT NULL,
            at TEXT NOT NULL
        );
        CREATE INDEX return_receipts_rma ON return_receipts(rma_id);
        -- What the returns desk did with a receipt; movement_seq of the
        -- putaway, transfer or scrap that carried it out.
        CREATE TABLE return_dispositions (
            receipt_seq INTEGER PRIMARY KEY REFERENCES return_receipts(movement_seq),
            condition TEXT NOT NULL CHECK (condition IN {_in(RETURN_CONDITIONS)}),
            disposition TEXT NOT NULL CHECK (disposition IN {_in(RETURN_DISPOSITIONS)}),
            location_id INTEGER,
            movement_seq INTEGER NOT NULL,
            by_user TEXT NOT NULL,
            at TEXT NOT NULL
        );
        """
    )
