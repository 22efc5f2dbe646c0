"""One batch written while the next is read: a bulk job's statements for batch N run on its
connection while Python parses batch N+1, so the database's time and the parsing's overlap
instead of adding up (the two use different cores). Batches are written one at a time and in
order, as the unit's one connection requires."""

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any


class BatchInFlight:
    def __init__(self) -> None:
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

    async def drain(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            await task

    async def abandon(self) -> None:
        """The job failed: lets the batch in flight end before the unit rolls back, since it holds
        the unit's connection; its own error, if any, is the lesser one."""
        with contextlib.suppress(Exception):
            await self.drain()
