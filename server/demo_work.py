"""Work waiting on the demo's floor, so every demo login has something to do.

- a dozen shop orders of stocked pick-bin items (one to three lines each),
  created and allocated like any other; the last asks for more of an item
  than the warehouse holds, so it is backordered;
- a wave of the allocated orders: the first pick list is given to ``picker``
  (it reaches the floor app on its first sync), the others wait in the
  orders page for a supervisor to give them out;
- three blind count tasks for ``counter``, on bins no list picks from.

It is written through the functions the API uses (``create_many``,
``build_wave``, ``assign_pick_list``, ``create_count_task``), so it is
nothing the API could not have made.  ``shelfsync serve --demo-if-empty``
(``make run``) adds it to a new demo; ``shelfsync demo`` makes the
warehouse alone unless asked (``--with-work``).
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field

from sync.count_tasks import create_count_task
from sync.db import write_transaction
from sync.order_create import create_many
from sync.orders import Address, LineIn, OrderIn
from sync.waves import assign_pick_list, build_wave

__all__ = ["DemoWork", "add_demo_work"]

ORDERS = 12
BY = "supervisor"
CUSTOMERS = [
    ("Ada Byrne", "12 Mill Lane", "Leeds", "LS1 4DY"),
    ("Bram Okafor", "3 Harbour Row", "Hull", "HU1 2AA"),
    ("Cleo Marsh", "88 Station Road", "York", "YO1 6HT"),
    ("Dev Patel", "5 Canal Street", "Manchester", "M1 3HE"),
    ("Edie Walsh", "41 Abbey Road", "Bath", "BA1 1LY"),
    ("Finn Larsen", "9 Quay Side", "Newcastle", "NE1 3RF"),
]


@dataclass
class DemoWork:
    orders: list[str] = field(default_factory=list)
    backordered: list[str] = field(default_factory=list)
    pick_lists: list[str] = field(default_factory=list)
    picker_list: str | None = None
    count_tasks: list[str] = field(default_factory=list)


def _stocked(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """(sku, bin, on hand) of untracked items in pick bins, in walk order."""
    return [
        (row[0], row[1], int(row[2]))
        for row in conn.execute(
            "SELECT i.sku, l.code, s.on_hand FROM stock s JOIN items i ON i.id = s.item_id"
            " JOIN locations l ON l.id = s.location_id"
            " WHERE l.kind = 'pick' AND s.on_hand >= 6 AND i.tracking = 'none'"
            " ORDER BY l.pick_seq, i.sku"
        )
    ]


def _order(n: int, lines: list[tuple[str, int]], rng: random.Random) -> OrderIn:
    name, line1, city, postcode = CUSTOMERS[n % len(CUSTOMERS)]
    return OrderIn(
        channel="shop",
        external_ref=f"DEMO-{1001 + n}",
        customer=name,
        ship_to=Address(name=name, line1=line1, city=city, postcode=postcode, country="GB"),
        lines=[LineIn(item=sku, qty=qty) for sku, qty in lines],
        priority=rng.choice((3, 5, 5, 5, 7)),
        payment_status="paid",
    )


def add_demo_work(conn: sqlite3.Connection, *, seed: int = 2026) -> DemoWork:
    """Orders, a wave with a list for ``picker`` and count tasks for ``counter``."""
    rng = random.Random(seed)
    stocked = _stocked(conn)
    if len(stocked) < ORDERS * 3 + 10:
        raise ValueError("add_demo_work needs the demo warehouse's stock (create_demo first)")
    chosen = rng.sample(stocked[: len(stocked) // 2], ORDERS * 3)  # the front of the walk
    orders = []
    for n in range(ORDERS - 1):
        lines = chosen[n * 3 : n * 3 + rng.randint(1, 3)]
        orders.append(
            _order(n, [(sku, rng.randint(1, min(4, held))) for sku, _, held in lines], rng)
        )
    short_sku, _, _ = chosen[-1]
    total = conn.execute(
        "SELECT sum(s.on_hand) FROM stock s JOIN items i ON i.id = s.item_id WHERE i.sku = ?"
        " AND s.location_id IN (SELECT id FROM locations WHERE kind IN ('pick', 'reserve'))",
        (short_sku,),
    ).fetchone()[0]
    orders.append(_order(ORDERS - 1, [(short_sku, int(total) + 5)], rng))
    work = DemoWork()
    with write_transaction(conn):
        for made in create_many(conn, [(order, BY) for order in orders]):
            if not isinstance(made, tuple):
                raise made
            work.orders.append(made[0]["number"])
            if made[0]["status"] == "backordered":
                work.backordered.append(made[0]["number"])
    work.pick_lists = build_wave(conn, by_user=BY, orders_per_list=4)
    work.picker_list = work.pick_lists[0]
    assign_pick_list(conn, work.picker_list, "picker")
    picked_bins = {
        row[0]
        for row in conn.execute(
            "SELECT DISTINCT l.code FROM pick_tasks t JOIN locations l ON l.id = t.location_id"
        )
    }
    to_count = [b for _, b, _ in stocked[len(stocked) // 2 :] if b not in picked_bins]
    for bin_code in sorted(set(rng.sample(to_count, 3))):
        task = create_count_task(conn, {"location": bin_code, "assigned_to": "counter"}, BY)
        work.count_tasks.append(str(task["id"]))
    return work
