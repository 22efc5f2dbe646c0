"""(4) Serving and delivering in the same processes, shown, not judged: (1)'s closed loop of STOPs
on the server of (2) and (3), whose processes run the workers too, as `stoplist serve` does by
default. It shows what one deployment on this machine sustains when the STOPs come as fast as
it answers them: the STOPs answered a second, the webhooks and confirmations that reached the
receiver meanwhile, and how long the rest took once the STOPs stopped."""

import time
from dataclasses import dataclass

from bench import cpu
from bench.feed import say
from bench.feed.records import Tokens
from bench.figures import Figure
from bench.inbound.accounts import Accounts
from bench.inbound.delivered import delivered
from bench.inbound.receiver import SMS, WEBHOOK, Receiver
from bench.inbound.throughput import CLIENTS, run_stops
from bench.load import Driver, Run
from tests.support.server import Server

DRAIN_TIMEOUT = 300.0


@dataclass(frozen=True)
class Mixed:
    run: Run
    during: dict[str, int]  # arrivals by kind while the STOPs ran (warm-up included)
    seconds: float  # of the STOPs, warm-up included
    drain: float  # seconds from the last STOP's answer until everything had arrived
    problems: int  # lost, queued twice or unexpected


async def measure(
    server: Server,
    accounts: Accounts,
    driver: Driver,
    receiver: Receiver,
    tokens: Tokens,
    duration: float,
    warmup: float,
) -> Mixed:
    await receiver.take()
    base = await receiver.counts()
    started = time.monotonic()
    cpu_before = cpu.tree_seconds(server.pid)
    loaded = await run_stops(server, accounts, driver, tokens, duration, warmup)
    run, senders = loaded.run, loaded.written
    ended = time.monotonic()
    after = await receiver.counts()
    during = {kind: after[kind] - base[kind] for kind in (WEBHOOK, SMS)}
    counts, done = await receiver.wait({kind: base[kind] + len(senders) for kind in (WEBHOOK, SMS)}, DRAIN_TIMEOUT)
    run.server_cpu = cpu.tree_seconds(server.pid) - cpu_before
    arrivals = await receiver.take()
    got = [delivered(arrivals, kind, senders) for kind in (WEBHOOK, SMS)]
    mixed = Mixed(run, during, ended - started, done - ended, sum(g.problems for g in got))
    say(
        f"  {run.per_second:,.0f} STOPs/s, p99 {run.percentile(99) * 1000:.0f} ms; meanwhile "
        f"{during[WEBHOOK] / mixed.seconds:,.0f} webhooks/s and {during[SMS] / mixed.seconds:,.0f} confirmations/s; "
        f"the rest ({len(senders) - during[WEBHOOK]:,} webhooks, {len(senders) - during[SMS]:,} confirmations) "
        f"arrived {mixed.drain:.1f} s after the last STOP"
    )
    for one, name in zip(got, ("webhooks", "confirmations"), strict=True):
        say(f"  {one.summary(name)}")
    return mixed


def figures(mixed: Mixed, queued_only: Run, workers: int) -> list[Figure]:
    processes = f"{workers} process{'es' if workers > 1 else ''}"
    return [
        Figure(
            f"inbound STOP, {CLIENTS} clients, {processes} also delivering: throughput (vs only queuing)",
            "/s",
            mixed.run.per_second,
            queued_only.per_second,
            True,
        ),
        Figure(
            "serving and delivering: webhooks delivered meanwhile",
            "/s",
            mixed.during[WEBHOOK] / mixed.seconds,
            None,
            True,
        ),
        Figure(
            "serving and delivering: confirmations sent meanwhile", "/s", mixed.during[SMS] / mixed.seconds, None, True
        ),
        Figure("serving and delivering: the rest delivered within, after the last STOP", "s", mixed.drain, None, False),
        Figure(
            "serving and delivering: server CPU per STOP, with its deliveries (vs only queuing)",
            "ms",
            mixed.run.server_cpu_per_request * 1000,
            queued_only.server_cpu_per_request * 1000,
            False,
        ),
        Figure(
            "serving and delivering: lost, queued twice or unexpected",
            "",
            mixed.problems,
            None,
            False,
            maximum=0,
            count=True,
        ),
    ]
