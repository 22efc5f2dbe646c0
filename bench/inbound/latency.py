"""(3) Latency: from the moment the gateway has read the answer to its `POST /inbound/sms` to the
moment the receiver gets the STOP's webhook, and its confirmation, with STOPs arriving in open
loop at a steady rate on a server whose processes serve and deliver alike (as `stoplist serve`
runs by default). After the last STOP the run waits until everything has arrived and checks
that each STOP's webhook and confirmation arrived exactly once.

Baseline, in the same run and at the same rate: the floor of "a commit reaches an HTTP receiver
through another process": raw asyncpg INSERT + COMMIT then NOTIFY (bench/feed/writers.py's
baseline writer), heard by a relay process that POSTs the payload to the same receiver at once
(bench/inbound/senders.py), timed from the COMMIT's return."""

import asyncio
import time
from dataclasses import dataclass

import asyncpg

from bench import cpu
from bench.feed import say
from bench.feed.records import Tokens, schedule
from bench.feed.verify import percentile
from bench.feed.writers import CREATE_SCRATCH, Writers, WriteRun
from bench.figures import Figure
from bench.inbound import requests
from bench.inbound.accounts import Accounts
from bench.inbound.delivered import Delivered, delivered
from bench.inbound.receiver import RELAY, SMS, WEBHOOK, Receiver
from bench.inbound.senders import Gateway, Relay
from tests.support.server import Server

NOTIFY_CHANNEL = "bench_inbound"
WRITE_CONNECTIONS = 8  # keep-alive connections the writers start with
MOST_CONNECTIONS = 64  # they open more only when all are busy (the server has fallen behind)
DRAIN_TIMEOUT = 60.0  # after the last write, how long the deliveries may take to arrive
LATE = 0.010  # a write sent later than this after its time counts as late
PRIMER_TIMEOUT = 30.0


@dataclass(frozen=True)
class Plan:
    rate: float  # STOPs per second, open loop
    duration: float
    warmup: float  # seconds of STOPs at the rate before the measured ones, their deliveries awaited
    baseline_duration: float


@dataclass(frozen=True)
class Measured:
    webhooks: Delivered
    confirmations: Delivered
    webhook_latencies: list[float]
    confirmation_latencies: list[float]
    writes: WriteRun
    server_cpu: float  # from the first STOP until everything arrived


async def _stops(
    server: Server,
    accounts: Accounts,
    gateway: Gateway,
    receiver: Receiver,
    tokens: Tokens,
    rate: float,
    seconds: float,
) -> tuple[WriteRun, list[Delivered], float]:
    template = requests.inbound_stop(server.host, server.port, accounts.inbound_writer_key, accounts.inbound.account_id)
    count = round(rate * seconds)
    writes = schedule(tokens.take(count), [0] * count, rate)
    await receiver.take()
    base = await receiver.counts()
    cpu_before = cpu.tree_seconds(server.pid)
    run = await gateway.stops(server.host, server.port, template, writes, MOST_CONNECTIONS)
    answered = [w.write.token for w in run.ok]
    await receiver.wait({WEBHOOK: base[WEBHOOK] + len(answered), SMS: base[SMS] + len(answered)}, DRAIN_TIMEOUT)
    server_cpu = cpu.tree_seconds(server.pid) - cpu_before
    arrivals = await receiver.take()
    return run, [delivered(arrivals, kind, answered) for kind in (WEBHOOK, SMS)], server_cpu


async def api(
    server: Server, accounts: Accounts, gateway: Gateway, receiver: Receiver, tokens: Tokens, plan: Plan
) -> Measured:
    if plan.warmup > 0:
        await _stops(server, accounts, gateway, receiver, tokens, plan.rate, plan.warmup)
    run, (webhooks, confirmations), server_cpu = await _stops(
        server, accounts, gateway, receiver, tokens, plan.rate, plan.duration
    )
    say(
        f"  {len(run.ok):,} STOPs at {run.rate:,.0f}/s ({len(run.failed)} failed, {run.late(LATE)} sent more than "
        f"{LATE * 1000:.0f} ms late), on {run.connections} connections"
    )
    if run.rate < 0.95 * plan.rate:
        say(f"  warning: the STOPs reached {run.rate:,.0f}/s, not {plan.rate:g}/s: latency was measured at less load")
    for failure in run.failed[:3]:
        say(f"  failed STOP: {failure.error}")
    say(f"  {webhooks.summary('webhooks')}\n  {confirmations.summary('confirmations')}")
    returned = {w.write.token: w.returned for w in run.ok}
    return Measured(
        webhooks,
        confirmations,
        webhooks.latencies(returned),
        confirmations.latencies(returned),
        run,
        server_cpu,
    )


async def _prime_relay(connection: asyncpg.Connection, receiver: Receiver) -> None:
    """NOTIFYs primers until the relay is seen to pass one on: it is listening from then on."""
    base = (await receiver.counts())[RELAY]
    deadline = time.monotonic() + PRIMER_TIMEOUT
    n = 0
    while (await receiver.counts())[RELAY] <= base:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the relay passed on no notification in {PRIMER_TIMEOUT:.0f} s")
        n += 1
        await connection.execute("SELECT pg_notify($1, $2)", NOTIFY_CHANNEL, f"primer-{n}")
        await asyncio.sleep(0.1)


async def baseline(
    dsn: str, writers: Writers, relay: Relay, receiver: Receiver, tokens: Tokens, plan: Plan
) -> list[float]:
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(CREATE_SCRATCH)
        count = round(plan.rate * plan.baseline_duration)
        relaying = asyncio.create_task(
            relay.relay(dsn, NOTIFY_CHANNEL, receiver.port, count, plan.baseline_duration + DRAIN_TIMEOUT)
        )
        await _prime_relay(connection, receiver)
    finally:
        await connection.close()
    await asyncio.sleep(0.5)  # primers still on their way
    await receiver.take()
    writes = schedule(tokens.take(count), [0] * count, plan.rate)
    run = await writers.commits(dsn, NOTIFY_CHANNEL, writes, connections=WRITE_CONNECTIONS, most=MOST_CONNECTIONS)
    relayed = await relaying
    committed = {w.write.token: w.returned for w in run.ok}
    got = delivered(await receiver.take(), RELAY, committed)
    say(
        f"  baseline: {len(committed):,} commits at {run.rate:,.0f}/s ({len(run.failed)} failed, "
        f"{run.late(LATE)} sent late), {relayed:,} relayed; {got.summary('relayed')}"
    )
    return got.latencies(committed)


def figures(measured: Measured, floor: list[float]) -> list[Figure]:
    ms = 1000.0
    found: list[Figure] = []
    for name, values in (
        ("webhook latency, STOP answered -> received", measured.webhook_latencies),
        ("confirmation latency, STOP answered -> received", measured.confirmation_latencies),
    ):
        if not values:
            raise RuntimeError(f"no {name.split(' ')[0]} arrived")
        found += [
            Figure(f"{name}: p50", "ms", percentile(values, 50) * ms, percentile(floor, 50) * ms, False),
            Figure(f"{name}: p99", "ms", percentile(values, 99) * ms, percentile(floor, 99) * ms, False, maximum=1000),
            Figure(f"{name}: max", "ms", max(values) * ms, max(floor) * ms, False),
        ]
    run = measured.writes
    responses = [w.returned - w.sent for w in run.ok]
    problems = measured.webhooks.problems + measured.confirmations.problems
    found += [
        Figure(
            "latency run: webhooks or confirmations lost, queued twice or unexpected",
            "",
            problems,
            None,
            False,
            maximum=0,
            count=True,
        ),
        Figure("latency run: STOP failures", "", len(run.failed), None, False, count=True),
        Figure("latency run: STOPs answered", "/s", run.rate, None, True),
        Figure("latency run: STOP response time p99", "ms", percentile(responses, 99) * ms, None, False),
        Figure(
            "latency run: server CPU per STOP, with its webhook and confirmation",
            "ms",
            measured.server_cpu / max(1, len(run.ok)) * ms,
            None,
            False,
        ),
    ]
    return found
