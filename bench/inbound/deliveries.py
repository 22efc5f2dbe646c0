"""(2) Deliveries per second the workers sustain: the backlog (1) queued, a webhook and a
confirmation per STOP, delivered by a fresh `stoplist serve` whose processes run the workers, and
nothing else asked of it. The backlog is held back (its rows made due tomorrow) while that
server starts, and released in one transaction once it is up, so the drain is timed on a warm,
idle process and its CPU is the drain's alone: the rate of each kind is its deliveries over the
time from its first arrival at the receiver to its last.

Baseline: the receiver alone, driven by the benchmark's own HTTP client with webhook-sized
requests on 32 connections, to show that it is not what limits the drain."""

import json
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench import cpu
from bench.feed import say
from bench.figures import Figure
from bench.http import VALUE, RequestTemplate, _head
from bench.inbound.delivered import Delivered, delivered
from bench.inbound.receiver import SMS, WEBHOOK, Receiver
from bench.load import Driver, Plan, Run
from bench.profile import sampled
from tests.support.server import Server

_TABLES = ("webhook_deliveries", "outbound_messages")
SLOWEST_RATE = 20.0  # deliveries/s of each kind below which the drain is given up (the rest count as lost)
RECEIVER_CLIENTS = 32
# A delivery as the workers send it: Standard Webhooks headers and an event of the usual size.
_SAMPLE_HEADERS = {
    "webhook-id": "msg_0123456789abcdef0123456789abcdef",
    "webhook-timestamp": "1767225600",
    "webhook-signature": "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
}
_SAMPLE_EVENT = {
    "type": "optout.created",
    "timestamp": "2026-12-01T00:00:00.000000+00:00",
    "data": {
        "id": "evt_0000000000000001",
        "cursor": "MTIzNDU2Nzg5LjE",
        "accountId": "acc_0123456789abcdef0123456789abcdef",
        "scope": "ORGANIZATION",
        "token": VALUE,
        "tokenType": "MSISDN",
        "channel": "SMS",
        "action": "OPT_OUT",
        "source": "KEYWORD",
        "reason": "STOP",
        "occurredAt": "2026-12-01T00:00:00.000000+00:00",
        "evidence": {"inboundText": "STOP", "inboundMessageId": "+31600000000"},
    },
}


async def hold(connection: asyncpg.Connection) -> None:
    """Makes every pending delivery and message due tomorrow: no worker takes them meanwhile."""
    async with connection.transaction():
        for table in _TABLES:
            await connection.execute(
                f"UPDATE {table} SET next_attempt_at = now() + interval '1 day' WHERE status = 'PENDING'"
            )


async def release(connection: asyncpg.Connection) -> None:
    async with connection.transaction():
        for table in _TABLES:
            await connection.execute(f"UPDATE {table} SET next_attempt_at = now() WHERE status = 'PENDING'")


async def pending(connection: asyncpg.Connection) -> dict[str, int]:
    return {
        table: await connection.fetchval(f"SELECT count(*) FROM {table} WHERE status = 'PENDING'") for table in _TABLES
    }


@dataclass(frozen=True)
class Drained:
    webhooks: Delivered
    confirmations: Delivered
    elapsed: float  # from the release to the moment the receiver had them all
    server_cpu: float
    receiver_cpu: float

    @property
    def stops(self) -> int:
        return self.webhooks.expected


async def drain(
    server: Server, connection: asyncpg.Connection, receiver: Receiver, senders: list[str], profile: Path | None
) -> Drained:
    """Releases the held backlog of `senders`' STOPs to `server`'s workers; returns once all arrived."""
    waiting = await pending(connection)
    if waiting != {table: len(senders) for table in _TABLES}:
        raise RuntimeError(f"the backlog is {waiting}, not one of each per STOP ({len(senders):,})")
    await receiver.take()
    base = await receiver.counts()
    timeout = 30.0 + len(senders) / SLOWEST_RATE
    async with sampled(server.pid, profile):
        server_before, receiver_before = cpu.tree_seconds(server.pid), receiver.cpu_seconds()
        released = time.monotonic()
        await release(connection)
        _, done = await receiver.wait({WEBHOOK: base[WEBHOOK] + len(senders), SMS: base[SMS] + len(senders)}, timeout)
        server_cpu = cpu.tree_seconds(server.pid) - server_before
        receiver_cpu = receiver.cpu_seconds() - receiver_before
    arrivals = await receiver.take()
    drained = Drained(
        delivered(arrivals, WEBHOOK, senders),
        delivered(arrivals, SMS, senders),
        done - released,
        server_cpu,
        receiver_cpu,
    )
    say(
        f"  {drained.webhooks.summary('webhooks')}; {drained.webhooks.per_second:,.0f}/s\n"
        f"  {drained.confirmations.summary('confirmations')}; {drained.confirmations.per_second:,.0f}/s\n"
        f"  all in {drained.elapsed:.1f} s after the release; server CPU "
        f"{server_cpu / max(1, drained.stops) * 1000:.2f} ms per STOP's pair, receiver CPU "
        f"{receiver_cpu / max(1, 2 * drained.stops) * 1e6:.0f} µs per request"
    )
    return drained


async def receiver_alone(receiver: Receiver, driver: Driver, tokens: list[str], duration: float) -> tuple[Run, float]:
    """The receiver's own rate under the benchmark's HTTP client, and its CPU seconds per request."""
    body = json.dumps(_SAMPLE_EVENT, separators=(",", ":")).encode()
    template = RequestTemplate(_head("127.0.0.1", receiver.port, "/hook", _SAMPLE_HEADERS), body)
    plan = Plan(concurrency=RECEIVER_CLIENTS, duration=duration, warmup=1.0)
    before = receiver.cpu_seconds()
    run = await driver.http("127.0.0.1", receiver.port, template, [json.dumps(t) for t in tokens], b"", plan)
    per_request = (receiver.cpu_seconds() - before) / max(1, run.count + run.warmup_count)
    await receiver.take()
    return run, per_request


def figures(drained: Drained, alone: Run, alone_cpu: float, inbound_rate: float, workers: int) -> list[Figure]:
    ms, us = 1000.0, 1e6
    processes = f"{workers} process{'es' if workers > 1 else ''}"
    stops = drained.stops
    kinds = (("webhooks delivered", drained.webhooks), ("confirmations sent", drained.confirmations))
    found = [
        Figure(
            f"{name}/s, backlog of {stops:,} STOPs, {processes} (vs the receiver alone)",
            "/s",
            kind.per_second,
            alone.per_second,
            True,
        )
        for name, kind in kinds
    ]
    found += [
        Figure(
            f"{name}/s over inbound STOPs/s",
            "x",
            kind.per_second / inbound_rate if inbound_rate else 0.0,
            None,
            True,
            minimum=1.0,
        )
        for name, kind in kinds
    ]
    found += [
        Figure(
            "drain: server CPU per STOP's webhook + confirmation",
            "ms",
            drained.server_cpu / max(1, stops) * ms,
            None,
            False,
        ),
        Figure(
            "drain: receiver CPU per request (vs the receiver alone)",
            "µs",
            drained.receiver_cpu / max(1, 2 * stops) * us,
            alone_cpu * us,
            False,
        ),
        Figure(
            "drain: receiver busy, share of one core",
            "%",
            drained.receiver_cpu / drained.elapsed * 100 if drained.elapsed else 0.0,
            None,
            False,
        ),
        Figure(
            "drain: webhooks or confirmations lost, queued twice or unexpected",
            "",
            drained.webhooks.problems + drained.confirmations.problems,
            None,
            False,
            maximum=0,
            count=True,
        ),
        Figure(
            "drain: sent again with the same id (at least once)",
            "",
            drained.webhooks.resent + drained.confirmations.resent,
            None,
            False,
            count=True,
        ),
    ]
    return found
