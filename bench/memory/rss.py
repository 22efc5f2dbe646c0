"""RSS over rounds of WebSocket connections opened and dropped.

A round opens `connections` WebSockets to each server (graphql-transport-ws: connection_init
with the key, subscribe to `optOutEvents`, then a ping answered by a pong, so the server has
read the subscribe before we go), then drops them all at once with a TCP abort, as a client
that loses its network does: no close frame, no `complete`. The connections live in a child
process (bench/load.py's), so the benchmark's own event loop and memory stay out of it.

After every round the run waits a little longer than the longest collection interval, so that
each server's periodic collection has run at least once since the round ended, then reads each
server's VmRSS from /proc (Linux only)."""

import asyncio
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import orjson
import uvloop
from websockets.asyncio.client import ClientConnection

from bench.feed import say
from bench.feed.subscribers import CONNECTS_AT_ONCE, HANDSHAKE_TIMEOUT, subscribe
from bench.load import ChildProcess
from tests.support.server import Server

PING = orjson.dumps({"type": "ping"}).decode()


def rss_mib(pid: int) -> float:
    """The resident set size of `pid` (not its children: with `--workers 1` the server is one process)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


async def _subscribed(url: str, key: str, gate: asyncio.Semaphore) -> ClientConnection:
    async with gate:
        socket = await subscribe(url, key)
        # The protocol does not acknowledge a subscribe; messages are handled in order, so once the
        # pong is back the server has started the subscription.
        await socket.send(PING)
        while (kind := orjson.loads(await asyncio.wait_for(socket.recv(), HANDSHAKE_TIMEOUT)).get("type")) != "pong":
            if kind not in ("ping", "next"):
                raise RuntimeError(f"unexpected message before the pong: {kind}")
        return socket


def _churn_job(url: str, key: str, connections: int) -> float:
    """Opens `connections` subscriptions, then aborts them all; returns the seconds it took."""

    async def main() -> float:
        started = time.perf_counter()
        gate = asyncio.Semaphore(CONNECTS_AT_ONCE)
        sockets = await asyncio.gather(*(_subscribed(url, key, gate) for _ in range(connections)))
        for socket in sockets:
            socket.transport.abort()
        return time.perf_counter() - started

    return uvloop.run(main())


@dataclass
class Series:
    """One server's RSS: before the measured rounds, then after each."""

    samples: list[float] = field(default_factory=list)

    @property
    def start(self) -> float:
        return self.samples[0]

    @property
    def end(self) -> float:
        return self.samples[-1]

    @property
    def growth_per_round(self) -> float:
        """The least-squares slope over the rounds: one late or early collection moves it little."""
        n = len(self.samples)
        mean_x, mean_y = (n - 1) / 2, sum(self.samples) / n
        covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(self.samples))
        return covariance / sum((x - mean_x) ** 2 for x in range(n))


async def measure(
    servers: list[Server], key: str, *, connections: int, rounds: int, warmup_rounds: int, settle: float
) -> list[Series]:
    """RSS of each of `servers` after `warmup_rounds` unmeasured rounds, then after each of `rounds`."""
    churner = ChildProcess()

    async def one_round() -> str:
        spent = []
        for server in servers:
            url = server.url.replace("http://", "ws://") + "/graphql"
            spent.append(await churner.run(partial(_churn_job, url, key, connections)))
        await asyncio.sleep(settle)
        return f" ({connections} connections to each server, {max(spent):.1f} s at most)"

    def sizes(label: str, note: str = "") -> list[float]:
        measured = [rss_mib(server.pid) for server in servers]
        say(f"  {label}: RSS " + ", ".join(f"{size:.1f}" for size in measured) + f" MiB{note}")
        return measured

    series = [Series() for _ in servers]
    try:
        sizes("fresh servers")
        for number in range(warmup_rounds):
            sizes(f"warm-up {number + 1}", await one_round())
        for number in range(rounds + 1):
            note = await one_round() if number else ""
            measured = sizes("before the rounds" if number == 0 else f"round {number:2d}", note)
            for one, size in zip(series, measured, strict=True):
                one.samples.append(size)
    finally:
        churner.close()
    return series
