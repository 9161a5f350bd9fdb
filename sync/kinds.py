"""The stable names of the protocol, defined once.

Movement kinds, outcomes, conflict and rejection codes, location kinds, roles.
Changing one of these strings is a protocol version bump.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "PROTOCOL_VERSION",
    "MOVEMENT_KINDS",
    "DELTA_KINDS",
    "OUTCOMES",
    "CONFLICT_CODES",
    "HOLD_CODES",
    "REJECT_CODES",
    "LOCATION_KINDS",
    "VIRTUAL_LOCATIONS",
    "ROLES",
    "MANAGER_ROLES",
    "TRACKING_MODES",
    "LOT_STATUSES",
    "ORDER_STATUSES",
    "ORDER_TRANSITIONS",
    "PAYMENT_STATUSES",
    "PAYMENT_TRANSITIONS",
    "WEBHOOK_EVENT_TYPES",
    "ALLOCATABLE_LOCATION_KINDS",
    "SHIPMENT_EVENT_KINDS",
    "CARRIER_EVENT_KINDS",
    "RETURN_CONDITIONS",
    "RETURN_DISPOSITIONS",
    "RETURN_ROLES",
    "REFUND_STATUSES",
]

PROTOCOL_VERSION: Final = 1

MOVEMENT_KINDS: Final = (
    "receive",
    "putaway",
    "transfer",
    "pick",
    "pack",
    "ship",
    "return",
    "count",
    "adjust",
    "scrap",
)
DELTA_KINDS: Final = tuple(k for k in MOVEMENT_KINDS if k != "count")

OUTCOMES: Final = ("applied", "flagged", "held", "rejected")

# Posted anyway, with an open conflict for a supervisor ("flagged").
CONFLICT_CODES: Final = (
    "NEGATIVE_STOCK",
    "OVER_RECEIPT",
    "OVERPICK",
    "ORDER_CLOSED",
    "LOT_BLOCKED",
    "OVERSHIP",
    "RETURN_UNEXPECTED",
    "COUNT_AMBIGUOUS",
    "SHORT_PICK",
    "PUTBACK_UNEXPECTED",
)
# Recorded, waiting for a supervisor before stock changes ("held").
HOLD_CODES: Final = (
    "UNKNOWN_ITEM",
    "UNKNOWN_LOCATION",
    "COUNT_VARIANCE",
    "COUNT_AMBIGUOUS",
    "COUNT_DISAGREEMENT",
)
# Recorded, never posted ("rejected").
REJECT_CODES: Final = (
    "INVALID_FIELD",
    "MISSING_FIELD",
    "UNKNOWN_KIND",
    "INVALID_QTY",
    "MISSING_REASON",
    "ID_REUSED",
    "INTERNAL",
)

LOCATION_KINDS: Final = (
    "receiving",
    "pick",
    "reserve",
    "staging",
    "packing",
    "shipping",
    "returns",
    "quarantine",
    "virtual",
)

# The counterparts that make the ledger double-entry: every movement moves
# units from one location to another, and these stand for the outside world.
VIRTUAL_LOCATIONS: Final = {
    "SUPPLIER": "where received goods come from",
    "CUSTOMER": "where shipped goods go and returns come from",
    "SCRAP": "where scrapped goods go",
    "INVENTORY": "the other side of adjustments and count variances",
}

ROLES: Final = ("picker", "counter", "supervisor", "admin")
# Who decides: resolves conflicts, revokes devices, reads the audit.
MANAGER_ROLES: Final = ("supervisor", "admin")

TRACKING_MODES: Final = ("none", "lot", "serial")

LOT_STATUSES: Final = ("ok", "hold", "recalled")

ORDER_STATUSES: Final = (
    "new",
    "allocated",
    "backordered",
    "picking",
    "picked",
    "packed",
    "shipped",
    "delivered",
    "cancelled",
)

# Which status may follow which; anything else is refused with a clear message.
ORDER_TRANSITIONS: Final = {
    "new": ("allocated", "backordered", "cancelled"),
    "backordered": ("allocated", "picking", "cancelled"),
    "allocated": ("backordered", "picking", "cancelled"),
    "picking": ("picked", "backordered", "cancelled"),
    "picked": ("packed", "cancelled"),
    "packed": ("shipped", "cancelled"),
    "shipped": ("delivered",),
    "delivered": (),
    "cancelled": (),
}

PAYMENT_STATUSES: Final = ("pending", "authorized", "paid", "refunded")

# Payment only moves forward: a late "authorized" after "paid" changes nothing.
PAYMENT_TRANSITIONS: Final = {
    "pending": ("authorized", "paid"),
    "authorized": ("paid",),
    "paid": ("refunded",),
    "refunded": (),
}

# What outbound webhooks can subscribe to.
WEBHOOK_EVENT_TYPES: Final = ("order.status", "order.payment", "ledger.movement")

# Where stock can be promised to orders: not the dock, not staging, never
# quarantine or returns.
ALLOCATABLE_LOCATION_KINDS: Final = ("pick", "reserve")

# A shipment's history; the carrier's webhook may send all but "shipped".
SHIPMENT_EVENT_KINDS: Final = ("shipped", "in_transit", "out_for_delivery", "delivered",
                               "exception")  # fmt: skip
CARRIER_EVENT_KINDS: Final = SHIPMENT_EVENT_KINDS[1:]

# Returns: the grade a returns clerk gives, and what happens to the goods.
RETURN_CONDITIONS: Final = ("new", "opened", "damaged", "defective")
RETURN_DISPOSITIONS: Final = ("restock", "quarantine", "scrap")
REFUND_STATUSES: Final = ("none", "pending", "refunded")
# Who may receive returns (the returns desk, the floor app's Returns screen):
# their devices get the open RMAs in pull.
RETURN_ROLES: Final = ROLES
