"""One batch written while the next is read: a bulk job's statements for batch N run on its
connection while Python parses batch N+1, so the database's time and the parsing's overlap
instead of adding up (the two use different cores). Batches are written one at a time and in
order, as the unit's one connection requires. Should the job fail while a batch is in flight,
the unit waits for it (`track`: UnitOfWork.running) before it rolls back."""

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class BatchInFlight:
    def __init__(self, track: Callable[["asyncio.Future[Any]"], None]) -> None:
        self._track = track
        self._task: asyncio.Task[None] | None = None

    async def submit(self, write: Coroutine[Any, Any, None]) -> None:
        """Waits for the batch in flight (raising its error, this one then never started), then
        starts this one."""
        try:
            await self.drain()
        except BaseException:
            write.close()
            raise
        self._task = asyncio.create_task(write)
        self._track(self._task)

    async def drain(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await task
