"""Sends the outbound messages that are due (app/outbound/repository.py claims them for a lease),
each through the configured sender; a failure is tried again on the retry schedule, and a
message that fails on every try is marked FAILED, with its last error, for outboundMessages.
The loop, and recording outcomes in batches, is app/workers/outbox.py's."""

from collections.abc import Sequence

from app.db import raw
from app.db.unit_of_work import UnitsOfWork
from app.outbound.repository import ClaimedMessage, OutboundRepository, Sent
from app.outbound.senders import Sender, SendFailed
from app.workers.outbox import Outbox, pump
from app.workers.runner import Worker
from app.workers.wakeup import Wakeup


def outbound_worker(
    sender: Sender, wakeup: Wakeup, *, retry_schedule: Sequence[int], lease_seconds: float = 60.0
) -> Worker:
    due = wakeup.listener()

    async def claim(connection: raw.Connection, limit: int) -> list[ClaimedMessage]:
        return await OutboundRepository(connection).claim_due(limit, lease_seconds)

    async def send(message: ClaimedMessage) -> Sent:
        try:
            await sender.send(message)
        except SendFailed as failure:
            return Sent(message, str(failure))
        return Sent(message, None)

    async def record(connection: raw.Connection, outcomes: list[Sent]) -> None:
        await OutboundRepository(connection).record(outcomes, retry_schedule)

    async def run(units: UnitsOfWork) -> None:
        try:
            await pump(units, Outbox(claim, send, record), due)
        finally:
            await sender.close()  # made again on first use if the worker is started again

    return Worker("send-outbound-messages", run)
