"""The load: every device's request bodies, built before timing.

Each device registers, works its own zone of items from the stock it would pull, and
sends batches of ``BATCH`` movements; a body's ``device_time`` is stamped when sent.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import msgspec
from _push_floor import Floor, Stock, wire
from _push_site import BATCH, ITEMS, CatalogIds, Site, uuid7

from sync.clock import iso_now, now_ms
from sync.db import connect, write_transaction
from sync.devices import register_device

DEVICE_STEP_MS = 1_000  # a scanner records a movement about every second


@dataclass
class DeviceLoad:
    name: str
    device_id: str
    token: str
    head: list[bytes] = field(default_factory=list)  # body up to device_time's value
    tail: bytes = b'"}'
    last_seqs: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def body(self, batch: int) -> bytes:
        return self.head[batch] + iso_now().encode() + self.tail


@dataclass
class Load:
    devices: list[DeviceLoad]
    kinds: Counter[str]
    start_seq: int

    @property
    def movements(self) -> int:
        return sum(self.kinds.values())


def build_load(path: Path, devices: int, per_device: int, basis_lag: int, rng_seed: int) -> Load:
    site = Site.plan()
    conn = connect(path)
    with write_transaction(conn):
        regs = [
            register_device(conn, name=f"scanner-{d + 1:02d}", username=f"picker{d + 1}")
            for d in range(devices)
        ]
    ids = CatalogIds.read(conn, site)
    index_of = {item_id: i for i, item_id in enumerate(ids.items)}
    code_of = {v: k for k, v in ids.locations.items()}
    stock: Stock = {}
    for item_id, loc_id, on_hand in conn.execute(
        "SELECT item_id, location_id, on_hand FROM stock WHERE lot = ''"
    ):
        if item_id in index_of:
            stock[(index_of[item_id], code_of[loc_id])] = on_hand
    start_seq = int(
        conn.execute("SELECT value FROM counters WHERE name = 'server_seq'").fetchone()[0]
    )
    epoch = regs[0].epoch
    conn.close()

    encode = msgspec.json.Encoder().encode
    end_ms = now_ms() - 60_000
    t0 = end_ms - per_device * DEVICE_STEP_MS
    loads, kinds = [], Counter[str]()
    for d, reg in enumerate(regs):
        rng = random.Random(rng_seed * 1000 + d)
        zone = list(range(d, ITEMS, devices))  # a zone of the floor per scanner
        floor = Floor(site, zone, stock, rng, recounts=True)
        load = DeviceLoad(f"scanner-{d + 1:02d}", reg.device_id, reg.token)
        user = f"picker{d + 1}"
        envelope = (
            f'{{"protocol":1,"device_id":"{reg.device_id}","epoch":"{epoch}",'
            f'"app_version":"bench","movements":['
        ).encode()
        seq = 0
        for b in range(math.ceil(per_device / BATCH)):
            basis = start_seq + max(0, b - basis_lag) * devices * BATCH
            encoded = []
            for kind in floor.kinds(min(BATCH, per_device - seq)):
                seq += 1
                ms = t0 + seq * DEVICE_STEP_MS + rng.randint(0, DEVICE_STEP_MS // 2)
                move = floor.make(kind, ms)
                mid = uuid7(ms)  # as the PWA makes them: time-ordered
                raw = encode(wire(move, mid, seq, user, ms, basis))
                encoded.append(raw)
                load.ids.append(mid)
                kinds[move.kind] += 1
            load.head.append(envelope + b",".join(encoded) + b'],"device_time":"')
            load.last_seqs.append(seq)
        loads.append(load)
    return Load(loads, kinds, start_seq)
