"""The loop both outbox senders share (webhooks, outbound messages).

Due rows are claimed for a lease, in a transaction of their own that commits at once, and each
is sent as soon as it is claimed, at most `in_flight` at a time: a slow destination holds up its
own sends only, never the claim of the next ones. Whatever has finished when the loop comes
round is recorded together, in one transaction, so a burst of a thousand deliveries costs a
few dozen transactions rather than a thousand. The row stays the truth: an outcome not yet
recorded when the process dies is sent again once the lease has run out (at least once, with
the same id, so a receiver can drop the duplicate)."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from app.db import raw
from app.db.unit_of_work import UnitsOfWork
from app.tasks import cancel_and_wait

Claimed = TypeVar("Claimed")
Outcome = TypeVar("Outcome")

logger = logging.getLogger(__name__)

IN_FLIGHT = 64
POLL_SECONDS = 1.0


@dataclass(frozen=True)
class Outbox(Generic[Claimed, Outcome]):
    claim: Callable[[raw.Connection, int], Awaitable[list[Claimed]]]  # at most n due rows, leased
    send: Callable[[Claimed], Coroutine[Any, Any, Outcome]]  # never raises: a failure is an outcome too
    record: Callable[[raw.Connection, list[Outcome]], Awaitable[None]]


async def pump(
    units: UnitsOfWork,
    outbox: Outbox[Claimed, Outcome],
    due: asyncio.Event,
    *,
    in_flight: int = IN_FLIGHT,
    poll_seconds: float = POLL_SECONDS,
) -> None:
    """Sends what is due for ever. `due` is set when rows may have become due (a hint: the loop
    also looks every `poll_seconds`)."""
    sending: set[asyncio.Task[Outcome]] = set()
    look, backlog = True, False
    try:
        while True:
            if look:
                due.clear()  # before the claim, so a hint that comes during it is not lost
                room = in_flight - len(sending)
                backlog = room <= 0  # with every slot taken, the next claim waits for a free one
                if room > 0:
                    async with units.write() as unit:
                        claimed = await outbox.claim(unit.connection, room)
                    sending.update(asyncio.create_task(outbox.send(item)) for item in claimed)
                    backlog = len(claimed) == room
            await _until_something_happens(sending, due, poll_seconds, hint_matters=not backlog)
            finished = [task for task in sending if task.done()]
            sending.difference_update(finished)
            # Look again when more was due than there was room for, at a hint, or at the poll (nothing
            # finished and no hint); a send finishing with nothing more due needs no empty claim.
            look = backlog or due.is_set() or not finished
            outcomes = [outcome for task in finished if (outcome := _outcome(task)) is not None]
            if outcomes:
                async with units.write() as unit:
                    await outbox.record(unit.connection, outcomes)
    finally:
        for task in sending:
            task.cancel()  # their rows are sent again when the lease runs out


def _outcome(task: "asyncio.Task[Outcome]") -> Outcome | None:
    """The send's outcome; None, logged, if it raised (a defect): its row is sent again when the
    lease runs out, and the others finished with it are still recorded."""
    if (error := task.exception()) is not None:
        logger.error("a send of the outbox failed; it is tried again when its lease runs out", exc_info=error)
        return None
    return task.result()


async def _until_something_happens(
    sending: set[asyncio.Task[Outcome]], due: asyncio.Event, timeout: float, *, hint_matters: bool
) -> None:
    """Until a send finishes, or (when the last claim left room) a hint comes, or the poll is due.
    With a full claim there is more due already: the next claim needs only a free slot."""
    waiting: set[asyncio.Future[Any]] = set(sending)
    hint = asyncio.ensure_future(due.wait()) if hint_matters or not sending else None
    if hint is not None:
        waiting.add(hint)
    try:
        await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        await cancel_and_wait([hint])
