"""(1) prepareMessages: calls of 1,000 fresh numbers, 500 Dutch (the account's NL instruction is
appended) and 500 German (no instruction: each is minted a link, as on a first send), from
`CALLERS` callers in a closed loop on bench/load.py's child-process driver. Baseline: the same
work in plain Python and SQL (bench/sender/baseline.py) on the same database, in as many
processes as the server has, with as many callers among them and the same mix of fresh numbers.
The two take turns (API, baseline, API, baseline, ...), each after the same warm-up, and the runs
of each are pooled (bench/memory/latency.py).

Every answer is checked as it arrives: 500 of its messages end in the instruction, 500 in a link,
and none has an error (byte counts: parsing 200 kB of JSON a call would take the client more CPU
than the check is worth). Before the runs one call is read in full: each body must be the body
with its instruction, or with that very number's link as the database has it, with the parts and
encoding the baseline counts. After them the database must hold one link for each German number
sent and nothing else, on both sides."""

import asyncio
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial

import asyncpg

from bench import cpu, http
from bench.feed import say
from bench.feed.records import Tokens
from bench.figures import Figure
from bench.load import ChildProcess, Driver, Plan, Run
from bench.memory.latency import pooled
from bench.sender import baseline, clients, requests
from bench.sender.accounts import Accounts, Tenant
from bench.sender.requests import BODY, INSTRUCTION, RECIPIENTS
from bench.sender.runs import on_server, used
from tests.support.server import Server

CALLERS = 4  # a sender preparing a campaign in batches of 1,000, a few batches at a time
MAX_CALLS_PER_SECOND = 80  # fresh numbers are drawn for this many calls a second, on each side
BOUND = "MAX_CALLS_PER_SECOND in bench/sender/prepare.py"
HALF = RECIPIENTS // 2
# In every answer: the Dutch messages' instruction, the German ones' links, and no error.
COUNTS = ((INSTRUCTION.encode(), HALF), (b"/o/", HALF), (b'"error":null', RECIPIENTS))
LINKS = """
SELECT count(*), count(*) FILTER (WHERE token = ANY($2::text[])) FROM opt_out_links WHERE account_id = $1"""
CODES = "SELECT token, code FROM opt_out_links WHERE account_id = $1 AND token = ANY($2::text[])"


def baseline_job(
    dsn: str, tenant: Tenant, instructions: dict[str, str], links_base: str, values: Sequence[list[str]], plan: Plan
) -> tuple[Run, float]:
    """The baseline in this process, whose CPU time is the run's server CPU as the server's is the
    API's; and the CPU seconds of its PostgreSQL backends, which end with it."""

    async def operation(connection: asyncpg.Connection, index: int) -> None:
        messages = await baseline.prepare(
            connection, tenant.organization_id, tenant.account_id, instructions, links_base, BODY, values[index]
        )
        instructed = sum(text.endswith(INSTRUCTION) for _, text, *_ in messages)
        linked = sum("/o/" in text for _, text, *_ in messages)
        if (instructed, linked) != (HALF, HALF):
            raise RuntimeError(f"the baseline made {instructed} instructions and {linked} links")

    backends = 0.0

    def finished(connections: list[asyncpg.Connection]) -> None:
        nonlocal backends
        backends = sum(cpu.tree_seconds(connection.get_server_pid()) for connection in connections)

    async def connect(count: int) -> list[asyncpg.Connection]:
        return list(await asyncio.gather(*(asyncpg.connect(dsn) for _ in range(count))))

    started = time.process_time()
    run = clients.closed_loop(connect, operation, len(values), plan, finished)
    run.server_cpu = time.process_time() - started
    return run, backends


@dataclass(frozen=True)
class Side:
    run: Run
    database_cpu: float  # CPU seconds of PostgreSQL's processes, warm-ups included
    german: list[str]  # the German numbers of every call made, warm-ups included
    others: float | None = None  # Loaded.others, of the API's runs


@dataclass(frozen=True)
class Measured:
    api: Run
    baseline: Run
    api_database_cpu: float
    baseline_database_cpu: float
    wrong: int  # messages of the call read in full that are not what they should be
    unlinked: int  # German numbers sent without exactly one link, and links of nothing sent
    baseline_unlinked: int
    processes: int  # the baseline's, as many as the server's
    api_rates: list[float]  # messages/s of each run
    baseline_rates: list[float]
    others: float  # the most that other work took of the machine's CPUs in an API run

    def database_cpu_per_call(self, api: bool) -> float:
        run, seconds = (self.api, self.api_database_cpu) if api else (self.baseline, self.baseline_database_cpu)
        return seconds / max(1, run.count + run.warmup_count)


def _fresh(tokens: Tokens, callers: int, plan: Plan) -> list[list[str]]:
    return requests.recipients(
        tokens, math.ceil(MAX_CALLS_PER_SECOND * callers / CALLERS * (plan.duration + plan.warmup))
    )


def _german(calls: Sequence[list[str]]) -> list[str]:
    return [number for numbers in calls for number in numbers if number.startswith("+49")]


async def _api(
    server: Server, processes: int, database_pid: int, accounts: Accounts, driver: Driver, tokens: Tokens, plan: Plan
) -> Side:
    tenant = accounts.prepared.public
    template = requests.prepare(server.host, server.port, tenant.reader_key, tenant.account_id)
    calls = _fresh(tokens, CALLERS, plan)
    values = [json.dumps(numbers) for numbers in calls]
    job = driver.run(partial(clients.http_job, server, processes, template, values, COUNTS, plan))
    loaded = await on_server(server, database_pid, job)
    return Side(loaded.run, loaded.database_cpu, _german(used(loaded.run, calls, BOUND)), loaded.others)


async def _baseline(
    server: Server,
    dsn: str,
    database_pid: int,
    tenant: Tenant,
    instructions: dict[str, str],
    processes: list[ChildProcess],
    tokens: Tokens,
    plan: Plan,
) -> Side:
    shares = [CALLERS // len(processes) + (n < CALLERS % len(processes)) for n in range(len(processes))]
    calls = [_fresh(tokens, share, plan) for share in shares]
    database_before = cpu.tree_seconds(database_pid)
    done = await asyncio.gather(
        *(
            process.run(
                partial(baseline_job, dsn, tenant, instructions, server.url, values, replace(plan, concurrency=share))
            )
            for process, share, values in zip(processes, shares, calls, strict=True)
        )
    )
    runs = [run for run, _ in done]
    # Their backends have ended: what they took is no longer in PostgreSQL's tree of processes.
    database_cpu = cpu.tree_seconds(database_pid) - database_before + sum(backends for _, backends in done)
    # The processes ran side by side: their calls together over the longest's time.
    run = Run(
        elapsed=max(one.elapsed for one in runs),
        latencies=[latency for one in runs for latency in one.latencies],
        warmup_count=sum(one.warmup_count for one in runs),
        server_cpu=sum(one.server_cpu for one in runs),
    )
    return Side(
        run, database_cpu, [n for one, fresh in zip(runs, calls, strict=True) for n in _german(used(one, fresh, BOUND))]
    )


def _describe(label: str, side: Side) -> str:
    run = side.run
    calls = max(1, run.count + run.warmup_count)
    return (
        f"{label}: {run.per_second * RECIPIENTS:,.0f} messages/s, call p50 {run.percentile(50) * 1000:.1f} ms, p99 "
        f"{run.percentile(99) * 1000:.1f} ms, CPU per call {run.server_cpu_per_request * 1000:.1f} ms, "
        f"PostgreSQL's {side.database_cpu / calls * 1000:.1f} ms"
        + ("" if side.others is None else f"; other work took {side.others:.0%} of the CPUs")
    )


async def check_in_full(
    server: Server, connection: asyncpg.Connection, tenant: Tenant, tokens: Tokens
) -> tuple[int, list[str]]:
    """(messages not as they should be, its German numbers) of one call read in full."""
    [numbers] = requests.recipients(tokens, 1)
    variables = {"a": tenant.public.account_id, "body": BODY, "to": numbers}
    results = (await http.graphql(server.host, server.port, tenant.public.reader_key, requests.PREPARE, variables))[
        "prepareMessages"
    ]
    german = _german([numbers])
    codes = dict(await connection.fetch(CODES, tenant.account_id, german))
    _, before = baseline.segments(BODY)
    wrong = abs(len(results) - len(numbers))
    for number, result in zip(numbers, results, strict=False):
        body = f"{BODY} {INSTRUCTION if number.startswith('+31') else f'{server.url}/o/{codes.get(number)}'}"
        encoding, after = baseline.segments(body)
        message = {
            "body": body,
            "appended": True,
            "encoding": encoding,
            "segmentsBefore": before,
            "segmentsAfter": after,
        }
        wrong += result != {"to": number, "message": message, "error": None}
    return wrong, german


async def _unlinked(connection: asyncpg.Connection, tenant: Tenant, german: list[str]) -> int:
    total, sent = await connection.fetchrow(LINKS, tenant.account_id, german)
    return (len(german) - sent) + (total - sent)


async def alternated(
    server: Server,
    dsn: str,
    database_pid: int,
    accounts: Accounts,
    driver: Driver,
    processes: list[ChildProcess],
    tokens: Tokens,
    *,
    duration: float,
    warmup: float,
    repeats: int,
) -> Measured:
    plan = Plan(concurrency=CALLERS, duration=duration, warmup=warmup, cycle=False)
    connection = await asyncpg.connect(dsn)
    try:
        wrong, german = await check_in_full(server, connection, accounts.prepared, tokens)
        say(f"  one call read in full: {wrong} of {RECIPIENTS:,} messages not as the baseline makes them")
        instructions = await baseline.instructions(connection, accounts.baseline.account_id)
        apis: list[Side] = []
        baselines: list[Side] = []
        for repeat in range(repeats):
            apis.append(await _api(server, len(processes), database_pid, accounts, driver, tokens, plan))
            say(f"  run {repeat + 1}/{repeats}, " + _describe("API", apis[-1]))
            baselines.append(
                await _baseline(server, dsn, database_pid, accounts.baseline, instructions, processes, tokens, plan)
            )
            say(f"  run {repeat + 1}/{repeats}, " + _describe("plain Python + SQL", baselines[-1]))
        unlinked = await _unlinked(connection, accounts.prepared, german + [n for side in apis for n in side.german])
        baseline_unlinked = await _unlinked(
            connection, accounts.baseline, [n for side in baselines for n in side.german]
        )
    finally:
        await connection.close()
    say(
        f"  links: {unlinked} German numbers sent through the API without exactly one link or links of nothing sent "
        f"({baseline_unlinked} for the baseline)"
    )
    return Measured(
        pooled([side.run for side in apis]),
        pooled([side.run for side in baselines]),
        sum(side.database_cpu for side in apis),
        sum(side.database_cpu for side in baselines),
        wrong,
        unlinked,
        baseline_unlinked,
        len(processes),
        [side.run.per_second * RECIPIENTS for side in apis],
        [side.run.per_second * RECIPIENTS for side in baselines],
        max(side.others or 0.0 for side in apis),
    )


def figures(measured: Measured) -> list[Figure]:
    api, plain = measured.api, measured.baseline
    ms = 1000.0
    vs = "(vs plain Python + SQL)"
    return [
        Figure(
            f"prepareMessages, {RECIPIENTS:,} fresh numbers a call (half minted a link), {CALLERS} callers: messages/s "
            + vs,
            "/s",
            api.per_second * RECIPIENTS,
            plain.per_second * RECIPIENTS,
            True,
            minimum=10_000,
        ),
        Figure(
            f"prepareMessages: call latency p50 {vs}", "ms", api.percentile(50) * ms, plain.percentile(50) * ms, False
        ),
        Figure(
            f"prepareMessages: call latency p99 {vs}", "ms", api.percentile(99) * ms, plain.percentile(99) * ms, False
        ),
        Figure(
            f"prepareMessages: CPU per call, server (vs the baseline's {measured.processes} processes)",
            "ms",
            api.server_cpu_per_request * ms,
            plain.server_cpu_per_request * ms,
            False,
        ),
        Figure(
            f"prepareMessages: PostgreSQL CPU per call {vs}",
            "ms",
            measured.database_cpu_per_call(True) * ms,
            measured.database_cpu_per_call(False) * ms,
            False,
        ),
        Figure(
            "prepareMessages: messages of the call read in full not as the baseline makes them",
            "",
            measured.wrong,
            None,
            False,
            maximum=0,
            count=True,
        ),
        Figure(
            "prepareMessages: German numbers sent without exactly one link, or links of nothing sent",
            "",
            measured.unlinked,
            None,
            False,
            maximum=0,
            count=True,
        ),
    ]
