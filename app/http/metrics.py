"""GET /metrics: Prometheus text format (http-contract.md), behind STOPLIST_METRICS_TOKEN when
it is set. The process's counters and histograms, summed over every worker process in
multiprocess mode (app/metrics.py), and, read from the database at each scrape, the outboxes'
depth and the age of their oldest pending item: one figure for the whole service, whichever
process answers."""

import hmac
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response

from app import metrics
from app.auth import keys
from app.http.errors import error_response

_OUTBOXES = """
SELECT 'webhook' AS outbox, count(*) AS depth, extract(epoch FROM now() - min(created_at)) AS oldest
FROM webhook_deliveries WHERE status = 'PENDING'
UNION ALL
SELECT 'sms', count(*), extract(epoch FROM now() - min(created_at))
FROM outbound_messages WHERE status = 'PENDING'
"""


class _Outboxes:
    """The outboxes as one scrape read them."""

    def __init__(self, rows: list[tuple[str, int, float | None]]) -> None:
        self.rows = rows

    def collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("stoplist_outbox_depth", "Items waiting to be sent, by outbox", labels=["outbox"])
        oldest = GaugeMetricFamily(
            "stoplist_outbox_oldest_seconds", "Age of the oldest item waiting, by outbox (0: none)", labels=["outbox"]
        )
        for outbox, count, age in self.rows:
            depth.add_metric([outbox], count)
            oldest.add_metric([outbox], float(age or 0))
        yield depth
        yield oldest


async def metrics_route(request: Request) -> Response:
    if not metrics.recording():
        return error_response(404, "NOT_FOUND", "Metrics are off on this server (STOPLIST_METRICS=false).")
    token: str | None = request.state.metrics_token
    if token is not None:
        given = keys.bearer_token(request.headers.get("authorization")) or ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            return error_response(
                401, "UNAUTHENTICATED", "GET /metrics needs Authorization: Bearer <STOPLIST_METRICS_TOKEN>."
            )
    async with request.state.units.read() as unit:
        rows = [tuple(row) for row in await unit.connection.fetch(_OUTBOXES)]
    # After the query: the pool holds at least the connection it used, so this process's figure is
    # never that of a pool not yet filled (other processes' are as they last sampled them).
    metrics.sample_pool(request.state.units.engine)
    outboxes = CollectorRegistry()
    outboxes.register(_Outboxes(rows))
    if metrics.MULTIPROCESS:
        metrics.forget_dead_processes()
        processes = CollectorRegistry()
        MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
        body = generate_latest(processes)
    else:
        body = generate_latest(REGISTRY)  # this one process's, with its own process and GC figures
    return Response(body + generate_latest(outboxes), media_type=CONTENT_TYPE_LATEST)
