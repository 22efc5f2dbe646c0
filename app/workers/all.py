"""Every worker a process runs."""

from app.workers.purge import IDEMPOTENCY_KEYS
from app.workers.runner import Worker

WORKERS: list[Worker] = [IDEMPOTENCY_KEYS]
