"""Closed-loop load: N clients, each sending its next request as soon as the previous one is
answered. The jobs run in a child process (see `Driver`), both the API load and the raw-SQL
baseline, so neither pays for the orchestrator's memory or event loop, and both pay alike."""

import asyncio
import itertools
import multiprocessing
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

import asyncpg

from bench.http import Connection, HttpError, RequestTemplate

C = TypeVar("C")
T = TypeVar("T")


@dataclass
class Run:
    """The measured pass of a job: latencies in seconds, one per completed request."""

    elapsed: float
    latencies: list[float] = field(default_factory=list)
    warmup_count: int = 0  # requests completed before the measured pass
    server_cpu: float = 0.0  # CPU seconds the server used over warm-up and measurement (set by the caller)

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def server_cpu_per_request(self) -> float:
        return self.server_cpu / max(1, self.count + self.warmup_count)

    @property
    def mean(self) -> float:
        return sum(self.latencies) / len(self.latencies)


@dataclass(frozen=True)
class Plan:
    """How long to drive: `duration` seconds or `limit` requests (whichever comes first), after a
    warm-up pass. `cycle` reuses the requests from the start once exhausted; writes never do."""

    concurrency: int
    duration: float
    warmup: float
    limit: int | None = None
    warmup_limit: int | None = None
    cycle: bool = True


async def _closed_loop(
    clients: Sequence[C],
    operation: Callable[[C, int], Awaitable[None]],
    counter: "itertools.count[int]",
    total: int,
    plan: Plan,
    duration: float,
    limit: int | None,
) -> Run:
    run = Run(elapsed=0.0)
    started = time.perf_counter()
    deadline = started + duration
    issued = 0

    async def client_loop(client: C) -> None:
        nonlocal issued
        while time.perf_counter() < deadline and (limit is None or issued < limit):
            index = next(counter)
            if index >= total and not plan.cycle:
                return
            issued += 1
            begun = time.perf_counter()
            await operation(client, index % total)
            run.latencies.append(time.perf_counter() - begun)

    await asyncio.gather(*(client_loop(client) for client in clients))
    run.elapsed = time.perf_counter() - started
    return run


async def _drive(clients: Sequence[C], operation: Callable[[C, int], Awaitable[None]], total: int, plan: Plan) -> Run:
    counter = itertools.count()  # shared by warm-up and measurement: written tokens are never reused
    warmed = 0
    if plan.warmup > 0:
        warmed = (await _closed_loop(clients, operation, counter, total, plan, plan.warmup, plan.warmup_limit)).count
    run = await _closed_loop(clients, operation, counter, total, plan, plan.duration, plan.limit)
    run.warmup_count = warmed
    return run


def _event_loop_run(coroutine: Coroutine[Any, Any, Run]) -> Run:
    try:
        import uvloop  # installed with uvicorn[standard]; a cheaper client leaves more CPU to the server
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


def http_job(host: str, port: int, template: RequestTemplate, values: Sequence[str], expect: bytes, plan: Plan) -> Run:
    """Sends request i = `template` filled with values[i]; a response counts only if it is a 200
    holding `expect` (a byte search: parsing every JSON answer would cost more than serving it)."""

    async def operation(connection: Connection, index: int) -> None:
        status, body = await connection.send(template.fill(values[index]))
        if status != 200 or expect not in body:
            raise HttpError(f"unexpected response ({status}): {body[:300]!r}")

    async def main() -> Run:
        connections = [await Connection.open(host, port) for _ in range(plan.concurrency)]
        try:
            return await _drive(connections, operation, len(values), plan)
        finally:
            await asyncio.gather(*(c.close() for c in connections))

    return _event_loop_run(main())


def sql_job(
    dsn: str,
    statement: str,
    arguments: Sequence[Any],
    slot: int | None,
    values: Sequence[Any],
    min_rows: int,
    plan: Plan,
) -> Run:
    """Runs `statement` with values[i] put in `arguments` at `slot` (if any), each call an
    autocommitted transaction of its own."""

    async def operation(connection: asyncpg.Connection, index: int) -> None:
        call = list(arguments)
        if slot is not None:
            call[slot] = values[index]
        rows = await connection.fetch(statement, *call)
        if len(rows) < min_rows:
            raise RuntimeError(f"baseline statement returned {len(rows)} rows, expected at least {min_rows}")

    async def main() -> Run:
        connections = [await asyncpg.connect(dsn) for _ in range(plan.concurrency)]
        try:
            return await _drive(connections, operation, len(values), plan)
        finally:
            await asyncio.gather(*(c.close() for c in connections))

    return _event_loop_run(main())


class ChildProcess:
    """Runs jobs in one long-lived child process (spawned, so it starts clean)."""

    def __init__(self) -> None:
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    async def run(self, job: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, job)

    def close(self) -> None:
        self._pool.shutdown()


class Driver(ChildProcess):
    """The load generator's jobs: HTTP requests and the raw-SQL baseline."""

    async def http(
        self,
        host: str,
        port: int,
        template: RequestTemplate,
        values: Sequence[str],
        expect: bytes,
        plan: Plan,
    ) -> Run:
        return await self.run(partial(http_job, host, port, template, list(values), expect, plan))

    async def sql(
        self,
        dsn: str,
        statement: str,
        arguments: Sequence[Any],
        slot: int | None,
        values: Sequence[Any],
        min_rows: int,
        plan: Plan,
    ) -> Run:
        return await self.run(partial(sql_job, dsn, statement, list(arguments), slot, list(values), min_rows, plan))
