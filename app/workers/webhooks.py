"""Delivers the webhook deliveries that are due (claimed for a lease, app/webhooks/repository.py),
signed per Standard Webhooks with the endpoint's secret (both secrets during a rotation) and a
fresh timestamp, keeping the delivery's `webhook-id` on every try. Any 2xx is delivered; any
other answer, a refused destination (app/webhooks/destinations.py) or no answer is tried again
on the retry schedule, and an endpoint failing without a break for too long is disabled. The
loop, and recording outcomes in batches, is app/workers/outbox.py's."""

import time
from collections.abc import Sequence

import orjson

from app import metrics
from app.db import raw
from app.db.unit_of_work import UnitsOfWork
from app.webhooks.destinations import DeliveryClient, DeliveryFailed
from app.webhooks.payloads import webhook_id
from app.webhooks.repository import Attempt, ClaimedDelivery, WebhookRepository
from app.webhooks.signing import signature_headers
from app.workers.outbox import Outbox, pump
from app.workers.runner import Worker
from app.workers.wakeup import Wakeup


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

    async def claim(connection: raw.Connection, limit: int) -> list[ClaimedDelivery]:
        return await WebhookRepository(connection).claim_due(limit, lease_seconds)

    async def record(connection: raw.Connection, attempts: list[Attempt]) -> None:
        await WebhookRepository(connection).record(attempts, retry_schedule, disable_after_seconds)
        for attempt in attempts:
            metrics.webhook_attempted(_outcome(attempt))

    async def run(units: UnitsOfWork) -> None:
        async with DeliveryClient(allow_private=allow_private, timeout=timeout) as client:

            async def send(delivery: ClaimedDelivery) -> Attempt:
                return await _deliver(client, delivery)

            await pump(units, Outbox(claim, send, record), due)

    return Worker("deliver-webhooks", run)


async def _deliver(client: DeliveryClient, delivery: ClaimedDelivery) -> Attempt:
    body = orjson.dumps(delivery.payload)
    secrets = [delivery.secret, *([delivery.previous_secret] if delivery.previous_secret else [])]
    headers = {
        "content-type": "application/json",
        **signature_headers(webhook_id(delivery.id), int(time.time()), body, secrets),
    }
    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    try:
        reply = await client.post(delivery.url, body=body, headers=headers)
        status_code = reply.status_code
        if not 200 <= status_code < 300:
            error = f"the endpoint answered {status_code}"
    except DeliveryFailed as failure:
        error = str(failure) or type(failure).__name__
    duration_ms = round((time.monotonic() - started) * 1000)
    return Attempt(delivery, status_code, error, duration_ms)


def _outcome(attempt: Attempt) -> str:
    if attempt.error is None:
        return "delivered"
    return "refused" if attempt.status_code is not None else "no_answer"  # an answer, but not a 2xx; or none
