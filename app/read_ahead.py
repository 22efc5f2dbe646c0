"""Keyset batches read one ahead: while the caller writes out a batch (an export's CSV, say), the
next is already being read, so the database's time and the caller's overlap on their two cores
instead of adding up. One statement at a time on the unit's connection, in order."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from app.db.unit_of_work import UnitOfWork

Row = TypeVar("Row")
Key = TypeVar("Key")


async def keyset_batches(
    uow: UnitOfWork,
    read: Callable[[Key, int], Awaitable[list[Row]]],
    start: Key,
    key: Callable[[Row], Key],
    batch: int,
) -> AsyncIterator[list[Row]]:
    """Every row from `start` on, `batch` at a time: `read(after, limit)` gives the rows after a
    key, `key(row)` a row's key. A batch shorter than `batch` is the last. Left early (a client
    gone), the read in flight holds the unit's connection: the unit waits for it before it ends."""

    def ahead(after: Key) -> "asyncio.Future[list[Row]]":
        future = asyncio.ensure_future(read(after, batch))
        uow.running(future)
        return future

    pending = ahead(start)
    while True:
        rows = await pending
        more = len(rows) == batch
        if more:
            pending = ahead(key(rows[-1]))
        if rows:
            yield rows
        if not more:
            return
