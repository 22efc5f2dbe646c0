"""The service's Prometheus metrics (GET /metrics, app/http/metrics.py).

With several worker processes (`stoplist serve --workers N`) each process writes its values to
files in PROMETHEUS_MULTIPROC_DIR, which `serve` makes before the workers start, and a scrape of
any worker sums them all (prometheus-client's multiprocess mode). The mode is fixed when this
module is first imported, as prometheus-client fixes it on its own import.

Labels take only values the server itself bounds: an operation is the first root field of a
GraphQL document, as the schema names it, or a route, never a client's own operation name."""

import asyncio
import contextlib
import os
import re
from collections import Counter as Tally
from pathlib import Path
from typing import Any, Final

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.multiprocess import mark_process_dead
from sqlalchemy.ext.asyncio import AsyncEngine

MULTIPROCESS: Final = "PROMETHEUS_MULTIPROC_DIR" in os.environ
_LIVE_GAUGE_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")

REQUESTS = Counter("stoplist_requests", "HTTP requests, by operation and outcome", ["operation", "outcome"])
REQUEST_SECONDS = Histogram(
    "stoplist_request_duration_seconds",
    "Time to serve an HTTP request, its body included",
    ["operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
OPT_OUTS = Counter("stoplist_opt_outs", "Opt-outs recorded, by channel and source", ["channel", "source"])
OPT_INS = Counter("stoplist_opt_ins", "Opt-ins recorded, by channel and source", ["channel", "source"])
FEED_SUBSCRIBERS = Gauge(
    "stoplist_feed_subscribers", "Open subscriptions to the live opt-out feed", multiprocess_mode="livesum"
)
FEED_LAG = Histogram(
    "stoplist_feed_delivery_lag_seconds",
    "From an event's time (its transaction's start) to its delivery to a live subscriber",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60),
)
WEBHOOK_ATTEMPTS = Counter("stoplist_webhook_attempts", "Webhook delivery attempts, by outcome", ["outcome"])
DB_POOL = Gauge(
    "stoplist_db_pool_connections",
    "Database connections of the server processes' pools, by state",
    ["state"],
    multiprocess_mode="livesum",
)


_recording = True  # STOPLIST_METRICS: off, nothing is recorded and GET /metrics answers 404


def record(on: bool) -> None:
    """Whether this process records metrics; set once as it starts (`create_app`, `work`)."""
    global _recording
    _recording = on


def recording() -> bool:
    return _recording


def request_served(operation: str, outcome: str, seconds: float) -> None:
    if _recording:
        REQUESTS.labels(operation, outcome).inc()
        REQUEST_SECONDS.labels(operation).observe(seconds)


def feed_subscribers_changed(by: int) -> None:
    if _recording:
        FEED_SUBSCRIBERS.inc(by)


def feed_delivered(lag_seconds: float) -> None:
    if _recording:
        FEED_LAG.observe(lag_seconds)


def webhook_attempted(outcome: str) -> None:
    if _recording:
        WEBHOOK_ATTEMPTS.labels(outcome).inc()


def count_events(actions: Tally[tuple[str, str, str]]) -> None:
    """Events committed, as (action, channel, source) and how many of each."""
    if not _recording:
        return
    for (action, channel, source), count in actions.items():
        (OPT_OUTS if action == "OPT_OUT" else OPT_INS).labels(channel, source).inc(count)


def sample_pool(engine: AsyncEngine) -> None:
    """This process's pool as it is now; every process samples its own (`sample_pool_every`)."""
    if not _recording:
        return
    pool: Any = engine.sync_engine.pool
    with contextlib.suppress(AttributeError):  # a pool without these counts (NullPool)
        DB_POOL.labels("in_use").set(pool.checkedout())
        DB_POOL.labels("idle").set(pool.checkedin())


async def sample_pool_every(engine: AsyncEngine, seconds: float) -> None:
    while True:
        sample_pool(engine)
        await asyncio.sleep(seconds)


def forget_dead_processes() -> None:
    """Drops the live gauges' files of worker processes that are gone. A worker that died (a
    crash, a kill) is replaced by uvicorn, and its files would otherwise be summed for ever:
    subscribers and pool connections it no longer has. Each multiprocess scrape does it."""
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    for path in Path(folder).iterdir():
        if (match := _LIVE_GAUGE_FILE.fullmatch(path.name)) and not _alive(int(match[1])):
            mark_process_dead(int(match[1]), folder)  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's: not one of ours, but not ours to drop either
        return True
    return True
