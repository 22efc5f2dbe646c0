"""A hint, within one process, that background work is due: the unit of work that wrote an
outbox row calls it after its commit, and the workers of this process waiting on it wake at
once instead of at their next poll. Only a hint: a worker polls anyway, so work written by
another process (or a missed hint) waits at most one poll interval."""

import asyncio
import contextlib


class Wakeup:
    def __init__(self) -> None:
        self._events: list[asyncio.Event] = []

    def __call__(self) -> None:
        for event in self._events:
            event.set()

    def listener(self) -> asyncio.Event:
        """An event set at every hint from now on. Clear it before looking for work, so a hint that
        comes while looking is not lost."""
        event = asyncio.Event()
        self._events.append(event)
        return event


async def wait(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            await event.wait()
