"""Every worker a process runs, and what they share."""

from app.outbound.senders import sender_for
from app.settings import Settings
from app.workers.outbound import outbound_worker
from app.workers.purge import IDEMPOTENCY_KEYS
from app.workers.runner import Worker
from app.workers.wakeup import Wakeup
from app.workers.webhooks import webhook_worker


def workers(settings: Settings, outbox: Wakeup) -> list[Worker]:
    """`outbox` is the hint this process's units of work give when they have written outbox rows."""
    return [
        IDEMPOTENCY_KEYS,
        outbound_worker(
            sender_for(settings),
            outbox,
            retry_schedule=settings.STOPLIST_OUTBOUND_RETRY_SCHEDULE,
            lease_seconds=settings.STOPLIST_OUTBOX_LEASE_SECONDS,
        ),
        webhook_worker(
            outbox,
            retry_schedule=settings.STOPLIST_WEBHOOK_RETRY_SCHEDULE,
            disable_after_seconds=settings.STOPLIST_WEBHOOK_DISABLE_AFTER_SECONDS,
            allow_private=settings.STOPLIST_WEBHOOK_ALLOW_PRIVATE,
            timeout=settings.STOPLIST_WEBHOOK_TIMEOUT_SECONDS,
            lease_seconds=settings.STOPLIST_OUTBOX_LEASE_SECONDS,
        ),
    ]
