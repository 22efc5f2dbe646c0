"""Delivers the webhook deliveries that are due (claimed for a lease, app/webhooks/repository.py),
signed per Standard Webhooks with the endpoint's secret (both secrets during a rotation) and a
fresh timestamp, keeping the delivery's `webhook-id` on every try. Any 2xx is delivered; any
other answer, a refused destination (app/webhooks/destinations.py) or no answer is tried again
on the retry schedule, and an endpoint failing without a break for too long is disabled."""

import asyncio
import time
from collections.abc import Sequence

import httpx
import orjson

from app.db.unit_of_work import UnitsOfWork
from app.webhooks.destinations import DeliveryClient
from app.webhooks.repository import ClaimedDelivery, WebhookRepository
from app.webhooks.signing import signature_headers
from app.workers.runner import Worker
from app.workers.wakeup import Wakeup, wait

BATCH = 50
POLL_SECONDS = 1.0


def webhook_id(delivery: ClaimedDelivery) -> str:
    return f"msg_{delivery.id.hex}"


def webhook_worker(
    wakeup: Wakeup,
    *,
    retry_schedule: Sequence[int],
    disable_after_seconds: float,
    allow_private: bool,
    timeout: float,
    lease_seconds: float = 60.0,
) -> Worker:
    due = wakeup.listener()

    async def run(units: UnitsOfWork) -> None:
        async with DeliveryClient(allow_private=allow_private, timeout=timeout) as client:
            while True:
                due.clear()
                async with units.write() as unit:
                    claimed = await WebhookRepository(unit.connection).claim_due(BATCH, lease_seconds)
                await asyncio.gather(
                    *(_deliver(units, client, delivery, retry_schedule, disable_after_seconds) for delivery in claimed)
                )
                if len(claimed) < BATCH:
                    await wait(due, POLL_SECONDS)

    return Worker("deliver-webhooks", run)


async def _deliver(
    units: UnitsOfWork,
    client: DeliveryClient,
    delivery: ClaimedDelivery,
    schedule: Sequence[int],
    disable_after_seconds: float,
) -> None:
    body = orjson.dumps(delivery.payload)
    secrets = [delivery.secret, *([delivery.previous_secret] if delivery.previous_secret else [])]
    headers = {
        "content-type": "application/json",
        **signature_headers(webhook_id(delivery), int(time.time()), body, secrets),
    }
    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    try:
        reply = await client.post(delivery.url, body=body, headers=headers)
        status_code = reply.status_code
        if not 200 <= status_code < 300:
            error = f"the endpoint answered {status_code}"
    except httpx.HTTPError as failure:
        error = str(failure) or type(failure).__name__
    duration_ms = round((time.monotonic() - started) * 1000)
    async with units.write() as unit:
        repository = WebhookRepository(unit.connection)
        await repository.record_attempt(
            delivery, status_code=status_code, succeeded=error is None, error=error, duration_ms=duration_ms
        )
        if error is None:
            await repository.delivered(delivery)
            return
        if delivery.attempt > len(schedule):
            await repository.failed(delivery)
        else:
            await repository.retry_later(delivery, schedule[delivery.attempt - 1])
        await repository.endpoint_failed(
            delivery, disable_after_seconds, f"failing since more than {disable_after_seconds:g} s: {error}"
        )
