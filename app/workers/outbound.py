"""Sends the outbound messages that are due (app/outbound/repository.py claims them for a lease),
each through the configured sender; a failure is tried again on the retry schedule, and a
message that fails on every try is marked FAILED, with its last error, for outboundMessages."""

import asyncio
import logging
from collections.abc import Sequence

from app.db.unit_of_work import UnitsOfWork
from app.outbound.repository import ClaimedMessage, OutboundRepository
from app.outbound.senders import Sender, SendFailed
from app.workers.runner import Worker
from app.workers.wakeup import Wakeup, wait

logger = logging.getLogger(__name__)

BATCH = 50
POLL_SECONDS = 1.0


def outbound_worker(
    sender: Sender, wakeup: Wakeup, *, retry_schedule: Sequence[int], lease_seconds: float = 60.0
) -> Worker:
    due = wakeup.listener()

    async def run(units: UnitsOfWork) -> None:
        while True:
            due.clear()
            async with units.write() as unit:
                claimed = await OutboundRepository(unit.connection).claim_due(BATCH, lease_seconds)
            await asyncio.gather(*(_send(units, sender, message, retry_schedule) for message in claimed))
            if len(claimed) < BATCH:
                await wait(due, POLL_SECONDS)

    return Worker("send-outbound-messages", run)


async def _send(units: UnitsOfWork, sender: Sender, message: ClaimedMessage, schedule: Sequence[int]) -> None:
    try:
        await sender.send(message)
    except SendFailed as failure:
        async with units.write() as unit:
            repository = OutboundRepository(unit.connection)
            if message.attempt > len(schedule):
                await repository.failed(message.id, str(failure))
            else:
                await repository.retry_later(message.id, schedule[message.attempt - 1], str(failure))
        return
    async with units.write() as unit:
        await OutboundRepository(unit.connection).sent(message.id)
