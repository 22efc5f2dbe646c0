"""Purges idempotency keys past the time they are honoured for. Deleting what has expired is
the same whichever process does it, and however often: any number of processes may run it."""

import asyncio

from app.db.unit_of_work import UnitsOfWork
from app.opt_outs.service import opt_out_service
from app.workers.runner import Worker

INTERVAL_SECONDS = 3600


async def purge_idempotency_keys(units: UnitsOfWork) -> None:
    while True:
        async with units.write() as unit:
            await opt_out_service.purge_idempotency_keys(unit)
        await asyncio.sleep(INTERVAL_SECONDS)


IDEMPOTENCY_KEYS = Worker("purge-idempotency-keys", purge_idempotency_keys)
