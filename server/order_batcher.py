"""Group commit for ``POST /api/orders``: orders that arrive together share one
write transaction.

Each request puts its order in a queue and waits.  While a batch is being
written, new orders queue up; the next batch takes all of them (up to
``MAX_BATCH``) into ``sync.orders.create_orders``, one write transaction
that makes them set-based (a few statements for the whole batch) — a refused
order fails alone, before anything of it is written, and allocation is
exactly as serial as before (one writer, one order after the other).  What it
saves is the commit, the thread hop and the queries per order.  If the
transaction itself fails (the database is locked or full), every order of
that batch gets the error and none of them was made.
"""

from __future__ import annotations

import asyncio
from typing import Any

from server.database import Store
from sync.orders import OrderIn, create_orders

__all__ = ["OrderBatcher", "MAX_BATCH"]

MAX_BATCH = 64
Waiting = tuple[OrderIn, str, "asyncio.Future[tuple[dict[str, Any], bool]]"]


class OrderBatcher:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._queue: list[Waiting] = []
        self._task: asyncio.Task[None] | None = None

    async def create(self, order: OrderIn, by_user: str) -> tuple[dict[str, Any], bool]:
        """Create and allocate ``order`` with whatever else is waiting; as ``create_order``."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[dict[str, Any], bool]] = loop.create_future()
        self._queue.append((order, by_user, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._queue:
            await asyncio.sleep(0)  # let requests already read off the sockets join in
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                results = await self.store.awrite(create_orders, [(o, u) for o, u, _ in batch])
            except Exception as exc:  # the whole transaction failed: nothing was made
                for _, _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, _, future), result in zip(batch, results, strict=True):
                if future.done():  # the client went away
                    continue
                if isinstance(result, BaseException):
                    future.set_exception(result)
                else:
                    future.set_result(result)
