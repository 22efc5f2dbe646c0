"""(b) Deliveries per second one server process sustains to many subscribers of one organization.

The measured process (`--workers 1`) only delivers: the events are written through a second
`stoplist serve` on the same database, in a burst as fast as 32 connections go, so the measured
process learns of them as any process does of another's commits (NOTIFY, or its poll). A round
is timed from its first delivery to the moment every subscriber has every event of the burst:
deliveries/s = subscribers x events / that time; the figure is the median round.

Baseline, measured by the same client code: a bare Starlette WebSocket broadcast app
(bench/feed/broadcast.py) sending as many pre-encoded messages of the same shape."""

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import cpu
from bench.feed import broadcast, say
from bench.feed.organizations import Organization
from bench.feed.priming import prime, prime_organizations
from bench.feed.records import Tokens, Write
from bench.feed.subscribers import Subscribers
from bench.feed.verify import Tally, median, position, tally
from bench.feed.writers import Writers, opt_out_template
from bench.figures import Figure
from tests.support.server import Server

BURST_CONNECTIONS = 32
SLOWEST_RATE = 1_000  # deliveries/s below which a round is given up (its missing deliveries count as lost)


@dataclass
class Round:
    elapsed: float  # first delivery to last
    tally: Tally
    server_cpu: float  # CPU seconds of the delivering process over the round
    client_cpu: float  # of the subscriber processes
    errors: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return self.tally.received - self.tally.unexpected - self.tally.duplicates

    @property
    def per_second(self) -> float:
        return self.delivered / self.elapsed if self.elapsed > 0 else 0.0


async def _round(
    subscribers: Subscribers, server_pid: int, events: int, publish: Callable[[], Coroutine[Any, Any, dict[str, str]]]
) -> Round:
    """`publish()` makes `events` events and returns them as token -> cursor."""
    await subscribers.reset()
    server_before, client_before = cpu.tree_seconds(server_pid), subscribers.cpu_seconds()
    published = asyncio.create_task(publish())
    timeout = 30.0 + subscribers.count * events / SLOWEST_RATE
    await subscribers.wait([events] * subscribers.count, timeout)
    expected = await published
    server_cpu = cpu.tree_seconds(server_pid) - server_before
    client_cpu = subscribers.cpu_seconds() - client_before
    deliveries, errors = await subscribers.collect()
    total = Tally()
    for received in deliveries:
        total += tally(received, expected)
    times = [at for received in deliveries for at, _, _ in received]
    elapsed = max(times) - min(times) if times else 0.0
    return Round(elapsed, total, server_cpu, client_cpu, errors)


async def _rounds(
    name: str,
    subscribers: Subscribers,
    server_pid: int,
    events: int,
    rounds: int,
    publish: Callable[[], Coroutine[Any, Any, dict[str, str]]],
) -> list[Round]:
    done = []
    for number in range(1, rounds + 1):
        result = await _round(subscribers, server_pid, events, publish)
        say(
            f"  {name} round {number}: {result.delivered:,} deliveries in {result.elapsed:.2f} s = "
            f"{result.per_second:,.0f}/s; delivering process {result.server_cpu / max(result.elapsed, 1e-9):.2f} "
            f"cores, subscriber processes {result.client_cpu / max(result.elapsed, 1e-9):.2f} cores"
        )
        if result.tally.problems or result.tally.lost:
            say(f"    {result.tally.summary()}")
        for error in result.errors[:3]:
            say(f"    subscriber error: {error}")
        done.append(result)
    return done


async def baseline(
    subscribers: Subscribers, count: int, events: int, rounds: int, log: Path, tokens: Tokens
) -> list[Round]:
    from app.settings import Settings  # the server's compression setting, so both send alike

    deflate = Settings().STOPLIST_WS_PER_MESSAGE_DEFLATE
    with broadcast.running_broadcast(log, per_message_deflate=deflate) as (host, port, pid):
        await subscribers.connect(f"ws://{host}:{port}/graphql", ["-"] * count)
        numbers = iter(range(1, 1_000_000))

        async def publish() -> dict[str, str]:
            number = next(numbers)
            pairs = [(f"{number}.{i}", token) for i, token in enumerate(tokens.take(events))]
            await broadcast.publish(host, port, pairs)
            return {token: cursor for cursor, token in pairs}

        async def primer(pending: list[int]) -> list[str]:
            return list(await publish())

        try:
            await prime(subscribers, primer)
            return await _rounds("bare broadcast", subscribers, pid, events, rounds, publish)
        finally:
            for error in await subscribers.disconnect():
                say(f"  subscriber error: {error}")


async def subscribe(
    server: Server, organization: Organization, subscribers: Subscribers, count: int, writers: Writers, tokens: Tokens
) -> None:
    """Subscribes `count` subscribers of `organization` to `server`, and primes them through it."""
    await subscribers.connect(server.url.replace("http://", "ws://") + "/graphql", [organization.reader_key] * count)
    await prime_organizations(server, [organization], [0] * count, subscribers, writers, tokens)


async def api(
    measured: Server,
    producer: Server,
    organization: Organization,
    subscribers: Subscribers,
    writers: Writers,
    tokens: Tokens,
    events: int,
    rounds: int,
) -> list[Round]:
    """The subscribers must already be subscribed to `measured` and primed."""
    template = opt_out_template(producer.host, producer.port, organization.admin_key, organization.account_id)

    async def burst() -> dict[str, str]:
        writes = [Write(0, token, 0.0) for token in tokens.take(events)]
        run = await writers.opt_outs(
            producer.host, producer.port, [template], writes, connections=BURST_CONNECTIONS, most=BURST_CONNECTIONS
        )
        if run.failed:
            raise RuntimeError(f"{len(run.failed)} optOuts of the burst failed, e.g. {run.failed[0].error}")
        ordered = sorted(run.ok, key=lambda written: position(written.cursor))
        return {written.write.token: written.cursor for written in ordered}

    return await _rounds("API", subscribers, measured.pid, events, rounds, burst)


def figures(measured: list[Round], floor: list[Round], subscribers: int, events: int) -> list[Figure]:
    def per_delivery(rounds: list[Round], cpu_of: Callable[[Round], float]) -> float | None:
        delivered = sum(r.delivered for r in rounds)
        used = sum(cpu_of(r) for r in rounds)
        return used / delivered * 1e6 if delivered and used else None  # /proc counts in 10 ms ticks: 0 is "too short"

    label = f"deliveries/s, {subscribers} subscribers of 1 org, 1 process (median of {len(measured)} x {events} events)"
    problems = sum(r.tally.problems + len(r.errors) for r in measured)
    server, server_floor = per_delivery(measured, lambda r: r.server_cpu), per_delivery(floor, lambda r: r.server_cpu)
    client, client_floor = per_delivery(measured, lambda r: r.client_cpu), per_delivery(floor, lambda r: r.client_cpu)
    return [
        Figure(
            label,
            "/s",
            median([r.per_second for r in measured]),
            median([r.per_second for r in floor]) if floor else None,
            True,
            minimum=20_000,
        ),
        Figure("deliveries: server CPU per delivery", "µs", server or 0.0, server_floor, False),
        Figure("deliveries: subscriber processes' CPU per delivery", "µs", client or 0.0, client_floor, False),
        Figure(
            "deliveries lost, duplicated, out of order, other, or errors",
            "",
            problems,
            None,
            False,
            maximum=0,
            count=True,
        ),
    ]
