"""A device as the protocol describes one, for tests: an outbox, seqs, a cursor.

It speaks HTTP through anything with httpx's ``post``/``get`` (Starlette's
TestClient for the ASGI app, or an httpx client for a live server), so the
same simulated device drives unit-level API tests, property tests and the
crash test.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol


class Http(Protocol):
    def post(self, url: str, **kwargs: Any) -> Any: ...
    def get(self, url: str, **kwargs: Any) -> Any: ...


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SimDevice:
    http: Http
    device_id: str
    token: str
    epoch: str | None = None
    user: str = "ana"
    seq: int = 0
    cursor: int | None = None
    basis: int = 0
    clock_skew: timedelta = timedelta(0)  # added to the real time to make the device clock
    outbox: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def register(
        cls, http: Http, *, username: str, password: str, name: str = "scanner"
    ) -> SimDevice:
        res = http.post(
            "/api/devices", json={"name": name, "username": username, "password": password}
        )
        assert res.status_code == 200, res.text
        body = res.json()
        return cls(http, body["device_id"], body["token"], body["epoch"], user=username)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def now(self) -> datetime:
        return utcnow() + self.clock_skew

    def record(
        self,
        kind: str,
        item: str,
        qty: int,
        *,
        from_: str | None = None,
        to: str | None = None,
        at: datetime | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Store a movement in the outbox (the next seq), as the app does at a scan."""
        self.seq += 1
        movement = {
            "id": str(uuid.uuid4()),
            "seq": self.seq,
            "kind": kind,
            "user": self.user,
            "recorded_at": iso(at or self.now()),
            "basis": self.basis,
            "item": item,
            "lot": None,
            "serial": None,
            "expiry": None,
            "from": from_,
            "to": to,
            "qty": qty,
            "ref": {"order_line": None, "task": None, "rma": None, "count_task": None},
            "note": None,
            **extra,
        }
        self.outbox.append(movement)
        return movement

    def envelope(
        self, movements: list[dict[str, Any]], *, device_time: datetime | None = None
    ) -> dict[str, Any]:
        return {
            "protocol": 1,
            "device_id": self.device_id,
            "epoch": self.epoch,
            "device_time": iso(device_time or self.now()),
            "movements": movements,
        }

    def push_raw(self, movements: list[dict[str, Any]], **kwargs: Any) -> Any:
        return self.http.post(
            "/api/sync/push", json=self.envelope(movements, **kwargs), headers=self.headers
        )

    def push(self, movements: list[dict[str, Any]] | None = None, **kwargs: Any) -> dict[str, Any]:
        """Push (by default the whole outbox); acknowledged movements leave the outbox."""
        batch = list(self.outbox if movements is None else movements)
        res = self.push_raw(batch, **kwargs)
        assert res.status_code == 200, res.text
        body = res.json()
        done = {r["id"] for r in body["results"]}
        acked = [m for m in self.outbox if m["seq"] <= body["device_last_seq"] or m["id"] in done]
        self.sent.extend(m for m in acked if m not in self.sent)
        self.outbox = [m for m in self.outbox if m not in acked]
        return body

    def pull_all(self, *, limit: int = 2000) -> list[dict[str, Any]]:
        """Pull every page; the basis of later movements becomes the new cursor."""
        pages = []
        while True:
            res = self.http.post(
                "/api/sync/pull",
                json={
                    "protocol": 1,
                    "device_id": self.device_id,
                    "cursor": self.cursor,
                    "limit": limit,
                    "epoch": self.epoch,
                },
                headers=self.headers,
            )
            assert res.status_code == 200, res.text
            page = res.json()
            pages.append(page)
            self.cursor, self.epoch = page["cursor"], page["epoch"]
            if not page["more"]:
                break
        self.basis = self.cursor or 0
        return pages


def stock_of(http: Http, item: str, location: str, headers: dict[str, str]) -> int:
    res = http.get("/api/stock", params={"item": item, "location": location}, headers=headers)
    assert res.status_code == 200, res.text
    return sum(row["on_hand"] for row in res.json()["stock"])


PASSWORD = "correct-horse-battery"  # what make_user gives every user (tests/conftest.py)


def synced_device(client: Http, make_user: Callable[..., Any], name: str, role: str) -> SimDevice:
    """A new simulated device, registered with a new user's password and synced once."""
    user = make_user(role)
    sim = SimDevice.register(client, username=user.username, password=PASSWORD, name=name)
    sim.pull_all()
    return sim
