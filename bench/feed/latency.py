"""(a) Latency: from the moment an optOut's HTTP response is read by its writer to the moment each
subscriber of its organization receives the event, with opt-outs arriving in open loop, spread
over many organizations and over every server process; then a check that every subscriber got
every event of its organization exactly once, in cursor order.

Baseline, in the same run and at the same rate: the floor of "a commit becomes known to another
process": raw asyncpg INSERT + COMMIT then NOTIFY, received on a LISTEN connection in each
subscriber process, timed from the COMMIT's return."""

import random
import time
from dataclasses import dataclass

import asyncpg

from bench import cpu
from bench.feed import say
from bench.feed.organizations import Organization
from bench.feed.priming import prime_organizations
from bench.feed.records import Tokens, schedule
from bench.feed.sockets import workers_serving
from bench.feed.subscribers import Subscribers
from bench.feed.verify import Tally, latencies, percentile, tally
from bench.feed.writers import CREATE_SCRATCH, Writers, WriteRun, opt_out_template
from bench.figures import Figure
from tests.support.server import Server

NOTIFY_CHANNEL = "bench_feed"
WRITE_CONNECTIONS = 8  # keep-alive connections the writer starts with: the kernel spreads them over the workers
MOST_CONNECTIONS = 64  # it opens more only when all are busy (the server has fallen behind)
DRAIN_TIMEOUT = 15.0  # after the last write, how long the events may take to arrive
LATE = 0.010  # a write sent later than this after its scheduled time counts as late


@dataclass(frozen=True)
class Plan:
    rate: float  # writes per second, open loop
    duration: float
    baseline_duration: float
    subscribers: int
    workers: int


@dataclass(frozen=True)
class Measured:
    latencies: list[float]  # seconds, one per (event, subscriber) delivery
    tally: Tally
    writes: WriteRun
    server_cpu: float  # CPU seconds of the server's processes from the first write until all was delivered
    errors: int  # subscription errors and unexpected closes


def ms(seconds: float) -> float:
    return seconds * 1000


async def _baseline(dsn: str, subscribers: Subscribers, writers: Writers, tokens: Tokens, plan: Plan) -> list[float]:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(CREATE_SCRATCH)
    finally:
        await connection.close()
    await subscribers.listen(dsn, NOTIFY_CHANNEL)
    count = round(plan.rate * plan.baseline_duration)
    writes = schedule(tokens.take(count), [0] * count, plan.rate)
    run = await writers.commits(dsn, NOTIFY_CHANNEL, writes, connections=WRITE_CONNECTIONS, most=MOST_CONNECTIONS)
    committed = {w.write.token: w.returned for w in run.ok}
    measured: list[float] = []
    lost = 0
    for notifications in await subscribers.unlisten(len(committed), DRAIN_TIMEOUT):
        measured += latencies([(at, token, "") for at, token in notifications], committed)
        lost += len(committed.keys() - {token for _, token in notifications})
    say(
        f"  baseline: {len(committed):,} commits at {run.rate:,.0f}/s ({len(run.failed)} failed, "
        f"{run.late(LATE)} sent late), {len(measured):,} notifications received, {lost} lost"
    )
    return measured


async def _api(
    server: Server,
    organizations: list[Organization],
    subscribers: Subscribers,
    writers: Writers,
    tokens: Tokens,
    plan: Plan,
    rng: random.Random,
) -> Measured:
    org_of = [n % len(organizations) for n in range(plan.subscribers)]
    url = server.url.replace("http://", "ws://") + "/graphql"
    ports = await subscribers.connect(url, [organizations[org].reader_key for org in org_of])
    spread = workers_serving(server.pid, server.port, ports)
    say(f"  {len(ports)} subscribers connected; per server process (pid: sockets): {dict(spread)}")
    await prime_organizations(server, organizations, org_of, subscribers, writers, tokens)

    count = round(plan.rate * plan.duration)
    writes = schedule(tokens.take(count), [rng.randrange(len(organizations)) for _ in range(count)], plan.rate)
    templates = [opt_out_template(server.host, server.port, o.admin_key, o.account_id) for o in organizations]
    cpu_before = cpu.tree_seconds(server.pid)
    run = await writers.opt_outs(
        server.host,
        server.port,
        templates,
        writes,
        connections=WRITE_CONNECTIONS,
        most=MOST_CONNECTIONS,
        server_pid=server.pid,
    )
    say(
        f"  {len(run.ok):,} optOuts at {run.rate:,.0f}/s ({len(run.failed)} failed, {run.late(LATE)} sent more than "
        f"{ms(LATE):.0f} ms late), on {run.connections} connections; per server process (pid: connections): "
        f"{dict(run.by_worker)}"
    )
    if run.rate < 0.95 * plan.rate:
        say(f"  warning: the writes reached {run.rate:,.0f}/s, not {plan.rate:g}/s: latency was measured at less load")
    if len(run.by_worker) < plan.workers:
        say(f"  warning: the writes reached only {len(run.by_worker)} of {plan.workers} server processes")
    for failure in run.failed[:3]:
        say(f"  failed write: {failure.error}")

    expected: list[dict[str, str]] = [{} for _ in organizations]
    returned: list[dict[str, float]] = [{} for _ in organizations]
    for written in run.ok:
        expected[written.write.org][written.write.token] = written.cursor
        returned[written.write.org][written.write.token] = written.returned
    started = time.monotonic()
    await subscribers.wait([len(expected[org]) for org in org_of], DRAIN_TIMEOUT)
    drained = time.monotonic() - started
    server_cpu = cpu.tree_seconds(server.pid) - cpu_before
    deliveries, errors = await subscribers.collect()
    errors += await subscribers.disconnect()

    total = Tally()
    measured: list[float] = []
    for org, received in zip(org_of, deliveries, strict=True):
        total += tally(received, expected[org])
        measured += latencies(received, returned[org])
    say(f"  {total.summary()} ({drained:.1f} s after the last write)")
    for error in errors[:5]:
        say(f"  subscriber error: {error}")
    if len(errors) > 5:
        say(f"  ... {len(errors) - 5} more subscriber errors")
    return Measured(measured, total, run, server_cpu, len(errors))


async def measure(
    server: Server,
    dsn: str,
    organizations: list[Organization],
    subscribers: Subscribers,
    writers: Writers,
    tokens: Tokens,
    plan: Plan,
    rng: random.Random,
) -> list[Figure]:
    say(f"  baseline: raw INSERT + COMMIT, then NOTIFY, at {plan.rate:g}/s for {plan.baseline_duration:g} s ...")
    floor = await _baseline(dsn, subscribers, writers, tokens, plan)
    say(f"  API: optOut at {plan.rate:g}/s for {plan.duration:g} s over {len(organizations)} organizations ...")
    api = await _api(server, organizations, subscribers, writers, tokens, plan, rng)
    measured, total, run = api.latencies, api.tally, api.writes
    if not measured:
        raise RuntimeError("no event reached any subscriber")

    responses = [w.returned - w.sent for w in run.ok]
    label = "feed latency, optOut answered -> received"
    return [
        Figure(f"{label}: p50", "ms", ms(percentile(measured, 50)), ms(percentile(floor, 50)), False),
        Figure(f"{label}: p99", "ms", ms(percentile(measured, 99)), ms(percentile(floor, 99)), False, maximum=100),
        Figure(f"{label}: max", "ms", ms(max(measured)), ms(max(floor)), False),
        Figure("feed: deliveries lost", "", total.lost, None, False, maximum=0, count=True),
        Figure("feed: duplicate deliveries", "", total.duplicates, None, False, maximum=0, count=True),
        Figure("feed: deliveries out of cursor order", "", total.out_of_order, None, False, maximum=0, count=True),
        Figure(
            "feed: other deliveries (another org's, wrong cursor)",
            "",
            total.unexpected + total.wrong_cursor,
            None,
            False,
            maximum=0,
            count=True,
        ),
        Figure("feed: subscription errors and closes", "", api.errors, None, False, count=True),
        Figure("feed latency run: optOut failures", "", len(run.failed), None, False, count=True),
        Figure("feed latency run: optOuts answered", "/s", run.rate, None, True),
        Figure("feed latency run: optOut response time p99", "ms", ms(percentile(responses, 99)), None, False),
        Figure(
            "feed latency run: server CPU per optOut (with its deliveries)",
            "ms",
            ms(api.server_cpu / max(1, len(run.ok))),
            None,
            False,
        ),
    ]
