"""A `COPY ... TO STDOUT` read as it is written: an async iterator of the chunks PostgreSQL sends,
so that an export streams rows PostgreSQL formats itself, in constant memory.

The copy runs on the unit's connection as work the unit waits for (`UnitOfWork.running`). Its
chunks pass through a short queue: while the reader does not take them, the copy waits, and so
does PostgreSQL. A reader that leaves early cancels the copy (asyncpg then cancels the
statement on the server)."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from app.db.unit_of_work import UnitOfWork

Output = Callable[[bytes], Awaitable[None]]
_AHEAD = 4  # chunks read before the reader takes them


async def copied(uow: UnitOfWork, copy: Callable[[Output], Awaitable[object]]) -> AsyncIterator[bytes]:
    """The chunks `copy(output)` gives its output, in order; then its error, if it fails."""
    chunks: asyncio.Queue[bytes] = asyncio.Queue(maxsize=_AHEAD)
    task = asyncio.ensure_future(copy(chunks.put))
    uow.running(task)
    try:
        while True:
            taking = asyncio.ensure_future(chunks.get())
            await asyncio.wait((taking, task), return_when=asyncio.FIRST_COMPLETED)
            if not taking.done():  # the copy ended, and every chunk it gave is in the queue
                taking.cancel()
                break
            yield bytes(taking.result())  # asyncpg's are bytearrays
        while not chunks.empty():
            yield bytes(chunks.get_nowait())
        task.result()
    finally:
        task.cancel()
