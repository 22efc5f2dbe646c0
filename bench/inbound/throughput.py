"""(1) Inbound STOPs per second: `POST /inbound/sms` with "STOP" from a fresh sender each, 32
clients in a closed loop on bench/load.py's child-process driver, against the baseline, the bare
optOut of the `writes` scenario on an account with no endpoint and no confirmation, on the same
server. The two take turns (STOP, optOut, STOP, optOut, ...), each after the same warm-up, and
the runs of each are pooled (bench/memory/latency.py).

The server runs no background work here (`STOPLIST_SERVE_RUNS_WORKERS=false`, as when
`stoplist worker` delivers elsewhere): each STOP's webhook and confirmation are queued in its
transaction and wait, so the figure is the request path's, and what it queued is the backlog
that (2) delivers."""

import math
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bench import cpu
from bench.feed import say
from bench.feed.records import Tokens
from bench.figures import Figure
from bench.http import RequestTemplate
from bench.inbound import requests
from bench.inbound.accounts import Accounts
from bench.load import Driver, Plan, Run
from bench.memory.latency import pooled
from bench.profile import sampled
from tests.support.server import Server

CLIENTS = 32
MAX_REQUESTS_PER_SECOND = 5_000  # fresh tokens are drawn for this many requests a second


async def postgres_pid(dsn: str) -> int:
    """The PostgreSQL server's main process, whose children are the backends; 0 if it is not on
    this machine (then its CPU reads as 0)."""
    connection = await asyncpg.connect(dsn)
    try:
        backend = await connection.fetchval("SELECT pg_backend_pid()")
        try:  # while the backend lives
            return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return 0
    finally:
        await connection.close()


@dataclass(frozen=True)
class Loaded:
    run: Run
    written: list[str]  # the tokens written, warm-up included
    database_cpu: float  # CPU seconds of PostgreSQL's processes over the run, warm-up included


@dataclass
class Measured:
    stops: Run
    opt_outs: Run
    stops_database_cpu: float
    opt_outs_database_cpu: float
    written: list[str] = field(default_factory=list)  # every STOP's sender, warm-ups included: the backlog

    def database_cpu_per_request(self, stops: bool) -> float:
        run, seconds = (self.stops, self.stops_database_cpu) if stops else (self.opt_outs, self.opt_outs_database_cpu)
        return seconds / max(1, run.count + run.warmup_count)


async def closed_loop(
    server: Server, database_pid: int, driver: Driver, template: RequestTemplate, tokens: Tokens, plan: Plan
) -> Loaded:
    """One run of `template` with fresh tokens."""
    taken = tokens.take(math.ceil(MAX_REQUESTS_PER_SECOND * (plan.duration + plan.warmup)))
    before, database_before = cpu.tree_seconds(server.pid), cpu.tree_seconds(database_pid)
    run = await driver.http(server.host, server.port, template, requests.values(taken), requests.EXPECT, plan)
    run.server_cpu = cpu.tree_seconds(server.pid) - before
    database_cpu = cpu.tree_seconds(database_pid) - database_before
    written = run.warmup_count + run.count
    if written >= len(taken):
        raise RuntimeError("ran out of fresh tokens: raise MAX_REQUESTS_PER_SECOND in bench/inbound/throughput.py")
    return Loaded(run, taken[:written], database_cpu)


async def run_stops(
    server: Server, accounts: Accounts, driver: Driver, tokens: Tokens, duration: float, warmup: float
) -> Loaded:
    stop = requests.inbound_stop(server.host, server.port, accounts.inbound_writer_key, accounts.inbound.account_id)
    plan = Plan(concurrency=CLIENTS, duration=duration, warmup=warmup, cycle=False)
    return await closed_loop(server, 0, driver, stop, tokens, plan)


def _describe(label: str, loaded: Loaded) -> str:
    run = loaded.run
    database = loaded.database_cpu / max(1, run.count + run.warmup_count)
    return (
        f"{label}: {run.per_second:,.0f}/s, p50 {run.percentile(50) * 1000:.1f} ms, p99 "
        f"{run.percentile(99) * 1000:.1f} ms, CPU per request: server {run.server_cpu_per_request * 1000:.2f} ms, "
        f"PostgreSQL {database * 1000:.2f} ms"
    )


async def alternated(
    server: Server,
    database_pid: int,
    accounts: Accounts,
    driver: Driver,
    tokens: Tokens,
    *,
    duration: float,
    warmup: float,
    repeats: int,
    profile: Path | None = None,
) -> Measured:
    """`repeats` runs of each, in turns; `profile` names a py-spy output for the first STOP run."""
    stop = requests.inbound_stop(server.host, server.port, accounts.inbound_writer_key, accounts.inbound.account_id)
    bare = requests.opt_out(server.host, server.port, accounts.plain.admin_key, accounts.plain.account_id)
    plan = Plan(concurrency=CLIENTS, duration=duration, warmup=warmup, cycle=False)
    stops: list[Loaded] = []
    opt_outs: list[Loaded] = []
    for repeat in range(repeats):
        async with sampled(server.pid, profile if repeat == 0 else None):
            stops.append(await closed_loop(server, database_pid, driver, stop, tokens, plan))
        say(f"  run {repeat + 1}/{repeats}, " + _describe("inbound STOP", stops[-1]))
        opt_outs.append(await closed_loop(server, database_pid, driver, bare, tokens, plan))
        say(f"  run {repeat + 1}/{repeats}, " + _describe("bare optOut", opt_outs[-1]))
    return Measured(
        pooled([one.run for one in stops]),
        pooled([one.run for one in opt_outs]),
        sum(one.database_cpu for one in stops),
        sum(one.database_cpu for one in opt_outs),
        [token for one in stops for token in one.written],
    )


def figures(measured: Measured) -> list[Figure]:
    stops, bare = measured.stops, measured.opt_outs
    ms = 1000.0
    return [
        Figure(
            f"inbound STOP (webhook + confirmation queued), {CLIENTS} clients: throughput (vs bare optOut)",
            "/s",
            stops.per_second,
            bare.per_second,
            True,
            minimum=500,
        ),
        Figure(
            "inbound STOP: p50 latency (vs bare optOut)",
            "ms",
            stops.percentile(50) * ms,
            bare.percentile(50) * ms,
            False,
        ),
        Figure(
            "inbound STOP: p99 latency (vs bare optOut)",
            "ms",
            stops.percentile(99) * ms,
            bare.percentile(99) * ms,
            False,
        ),
        Figure(
            "inbound STOP: server CPU per request (vs bare optOut)",
            "ms",
            stops.server_cpu_per_request * ms,
            bare.server_cpu_per_request * ms,
            False,
        ),
        Figure(
            "inbound STOP: PostgreSQL CPU per request (vs bare optOut)",
            "ms",
            measured.database_cpu_per_request(True) * ms,
            measured.database_cpu_per_request(False) * ms,
            False,
        ),
    ]
