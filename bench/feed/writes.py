"""(c) What subscribers cost the writers: closed-loop optOut throughput on one server process,
first with no subscriber, then with the subscribers connected. Two layouts:

- spread (the target's): the subscribers in 50 organizations, 10 each, and the writes spread
  over those organizations, so each write reaches its organization's 10 subscribers;
- one organization: all subscribers in the written organization, so each write is delivered
  to every one of them. Its ratio is bounded by arithmetic, not by the feed's design: a write
  costs the server ~2 ms here and 500 deliveries ~7 ms (see (b)), so it is shown, not judged.

The one-organization load is the `writes` scenario's (bench/scenarios.py): 32 clients, a fresh
token per write, on the same child-process load generator; the spread load is the latency
run's writer with every write due at once on 32 connections."""

import json
import math
import random
from dataclasses import dataclass

from bench import cpu
from bench.feed import say
from bench.feed.organizations import Organization
from bench.feed.records import Tokens, schedule
from bench.feed.subscribers import Subscribers
from bench.feed.verify import percentile
from bench.feed.writers import Writers, opt_out_template
from bench.figures import Figure
from bench.http import VALUE, RequestTemplate
from bench.load import Driver, Plan, Run
from bench.scenarios import OPT_OUT_MUTATION, WRITE_CLIENTS
from tests.support.server import Server

MAX_WRITES_PER_SECOND = 5_000  # fresh tokens are drawn for this many writes a second


@dataclass(frozen=True)
class Loaded:
    run: Run
    deliveries: int = 0  # received by the subscribers during the run (warm-up included)
    client_cpu: float = 0.0  # CPU seconds of the subscriber processes over the run


async def closed_loop(
    server: Server,
    organization: Organization,
    driver: Driver,
    tokens: Tokens,
    duration: float,
    warmup: float,
    subscribers: Subscribers | None = None,
) -> Loaded:
    values = tokens.take(math.ceil(MAX_WRITES_PER_SECOND * (duration + warmup)))
    variables = {"input": {"accountId": organization.account_id, "token": VALUE, "channels": ["SMS"]}}
    template = RequestTemplate.graphql(server.host, server.port, organization.admin_key, OPT_OUT_MUTATION, variables)
    plan = Plan(concurrency=WRITE_CLIENTS, duration=duration, warmup=warmup, cycle=False)
    if subscribers is not None:
        await subscribers.reset()
    client_before = subscribers.cpu_seconds() if subscribers else 0.0
    before = cpu.tree_seconds(server.pid)
    run = await driver.http(
        server.host, server.port, template, [json.dumps(v) for v in values], b'"action":"OPT_OUT"', plan
    )
    run.server_cpu = cpu.tree_seconds(server.pid) - before
    if run.warmup_count + run.count >= len(values):
        raise RuntimeError("ran out of fresh tokens: raise MAX_WRITES_PER_SECOND in bench/feed/writes.py")
    if subscribers is None:
        return Loaded(run)
    deliveries = sum(await subscribers.counts())
    return Loaded(run, deliveries, subscribers.cpu_seconds() - client_before)


def describe(name: str, loaded: Loaded, warmup: float) -> None:
    run = loaded.run
    line = f"  {name}: {run.per_second:,.0f} optOut/s, p99 {run.percentile(99) * 1000:.1f} ms"
    if loaded.deliveries:
        span = run.elapsed + warmup
        line += (
            f"; {loaded.deliveries:,} deliveries meanwhile ({loaded.deliveries / span:,.0f}/s), "
            f"subscriber processes {loaded.client_cpu / span:.2f} cores"
        )
    say(line)


def figures(without: Loaded, loaded: Loaded, subscribers: int) -> list[Figure]:
    quiet, busy = without.run, loaded.run
    ms = 1000.0
    return [
        Figure(
            f"optOut, {WRITE_CLIENTS} clients, 1 process: throughput with {subscribers} subscribers (vs none)",
            "/s",
            busy.per_second,
            quiet.per_second,
            True,
        ),
        Figure(
            f"optOut throughput with {subscribers} subscribers of the written org / without (shown, not judged)",
            "x",
            busy.per_second / quiet.per_second if quiet.per_second else 0.0,
            None,
            True,
        ),
        Figure(
            "optOut with subscribers: p50 latency (vs none)",
            "ms",
            busy.percentile(50) * ms,
            quiet.percentile(50) * ms,
            False,
        ),
        Figure(
            "optOut with subscribers: p99 latency (vs none)",
            "ms",
            busy.percentile(99) * ms,
            quiet.percentile(99) * ms,
            False,
        ),
        Figure(
            "optOut with subscribers: server CPU per write (vs none)",
            "ms",
            busy.server_cpu_per_request * ms,
            quiet.server_cpu_per_request * ms,
            False,
        ),
    ]


@dataclass(frozen=True)
class Spread:
    """Writes over many organizations, closed loop: every write is due at once, on 32 connections."""

    rate: float
    p50: float
    p99: float
    server_cpu_per_write: float
    deliveries: int = 0


async def spread(
    server: Server,
    organizations: list[Organization],
    writers: Writers,
    tokens: Tokens,
    count: int,
    rng: random.Random,
    subscribers: Subscribers | None = None,
) -> Spread:
    """`count` optOuts, each to a random one of `organizations`, through `server`."""
    writes = schedule(tokens.take(count), [rng.randrange(len(organizations)) for _ in range(count)], None)
    templates = [opt_out_template(server.host, server.port, o.admin_key, o.account_id) for o in organizations]
    if subscribers is not None:
        await subscribers.reset()
    before = cpu.tree_seconds(server.pid)
    run = await writers.opt_outs(
        server.host, server.port, templates, writes, connections=WRITE_CLIENTS, most=WRITE_CLIENTS
    )
    server_cpu = cpu.tree_seconds(server.pid) - before
    if run.failed:
        raise RuntimeError(f"{len(run.failed)} optOuts failed, the first: {run.failed[0].error}")
    times = sorted(w.returned - w.sent for w in run.written)
    deliveries = sum(await subscribers.counts()) if subscribers is not None else 0
    return Spread(
        rate=run.rate,
        p50=percentile(times, 50),
        p99=percentile(times, 99),
        server_cpu_per_write=server_cpu / len(run.written),
        deliveries=deliveries,
    )


def spread_figures(quiet: Spread, busy: Spread, subscribers: int, organizations: int) -> list[Figure]:
    ms = 1000.0
    return [
        Figure(
            f"optOut over {organizations} orgs, {WRITE_CLIENTS} clients, 1 process: throughput with {subscribers} "
            f"subscribers in those orgs (vs none)",
            "/s",
            busy.rate,
            quiet.rate,
            True,
        ),
        Figure(
            "optOut throughput with subscribers / without (subscribers in the written orgs)",
            "x",
            busy.rate / quiet.rate if quiet.rate else 0.0,
            None,
            True,
            minimum=0.9,
        ),
        Figure("optOut over orgs with subscribers: p99 latency (vs none)", "ms", busy.p99 * ms, quiet.p99 * ms, False),
        Figure(
            "optOut over orgs with subscribers: server CPU per write, with its deliveries (vs none)",
            "ms",
            busy.server_cpu_per_write * ms,
            quiet.server_cpu_per_write * ms,
            False,
        ),
    ]
