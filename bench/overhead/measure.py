"""The passes: checkOptOuts and optOut against the observed server (metrics recorded, a log line
per request) and the unobserved one (both off), in turn, each warmed up alike, on one database
and one dataset. Each round has a fresh pair of servers (cli.py): two processes of the same code
and settings differ by several percent in speed for reasons of their own (memory layout, hash
seeds), more than what is measured here, so no process may serve a side in more than one round."""

import contextlib
import json
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg

from bench import cpu, http, sql
from bench.dataset import CHANNEL, Dataset, Tenant
from bench.figures import Figure
from bench.http import RequestTemplate
from bench.load import Driver, Plan, Run
from bench.scenarios import CHECK_BATCH, CHECK_BATCHES, CHECK_CLIENTS, CHECK_QUERY, OPT_OUT_MUTATION, WRITE_CLIENTS
from tests.support.server import Server

T = TypeVar("T")
TARGET = 1.05  # the unobserved server's throughput over the observed one's: under 5% cost


@dataclass(frozen=True)
class Side:
    name: str  # "observed" or "unobserved"
    server: Server


@dataclass
class Passes:
    """Every pass of one scenario on one side."""

    runs: list[Run] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """The median pass: one pass that a checkpoint or an autovacuum slowed moves it little."""
        return statistics.median(r.per_second for r in self.runs)

    @property
    def latencies(self) -> list[float]:
        return sorted(latency for r in self.runs for latency in r.latencies)

    def percentile(self, p: float) -> float:
        ordered = self.latencies
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def cpu_per_request(self) -> float:
        return sum(r.server_cpu for r in self.runs) / max(1, sum(r.count + r.warmup_count for r in self.runs))

    @property
    def requests(self) -> int:
        return sum(r.count + r.warmup_count for r in self.runs)


@dataclass
class Scenario:
    """One scenario's passes on both sides, and the ratio of each round."""

    label: str
    unit: str
    per_request: int  # tokens a request (check) or 1 (writes)
    observed: Passes = field(default_factory=Passes)
    unobserved: Passes = field(default_factory=Passes)

    def passes(self, side: Side) -> Passes:
        return self.observed if side.name == "observed" else self.unobserved

    @property
    def round_ratios(self) -> list[float]:
        return [
            off.per_second / on.per_second
            for on, off in zip(self.observed.runs, self.unobserved.runs, strict=True)
            if on.per_second
        ]

    def figures(self) -> list[Figure]:
        on, off = self.observed, self.unobserved
        return [
            Figure(
                f"{self.label}: throughput",
                self.unit,
                on.per_second * self.per_request,
                off.per_second * self.per_request,
                True,
                max_ratio=TARGET,
            ),
            Figure(f"{self.label}: p50 latency", "ms", on.percentile(50) * 1000, off.percentile(50) * 1000, False),
            Figure(f"{self.label}: p99 latency", "ms", on.percentile(99) * 1000, off.percentile(99) * 1000, False),
            Figure(
                f"{self.label}: server CPU per request",
                "ms",
                on.cpu_per_request * 1000,
                off.cpu_per_request * 1000,
                False,
            ),
        ]


def in_turn(round_index: int, sides: Sequence[T]) -> list[T]:
    """Which side goes first (starts, runs) alternates from round to round, so neither always
    runs warmer."""
    return list(sides) if round_index % 2 == 0 else list(reversed(sides))


async def settle(connection: asyncpg.Connection) -> None:
    """Before every pass, of either side: the last pass's rows vacuumed and its dirty pages
    flushed, so that neither an autovacuum nor a checkpoint of them lands in the next."""
    await connection.execute("VACUUM (ANALYZE) opt_out_states, opt_out_events")
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await connection.execute("CHECKPOINT")


async def timed(
    driver: Driver,
    connection: asyncpg.Connection,
    side: Side,
    template: RequestTemplate,
    values: list[str],
    expect: bytes,
    plan: Plan,
) -> Run:
    await settle(connection)
    server = side.server
    before = cpu.tree_seconds(server.pid)
    run = await driver.http(server.host, server.port, template, values, expect, plan)
    run.server_cpu = cpu.tree_seconds(server.pid) - before
    return run


def _template(side: Side, key: str, query: str, variables: dict[str, Any]) -> RequestTemplate:
    return RequestTemplate.graphql(side.server.host, side.server.port, key, query, variables)


class Checks:
    """checkOptOuts of 1,000 tokens from the contacts, the main benchmark's `check`."""

    def __init__(self, tenant: Tenant, dataset: Dataset, rng: random.Random, plan: Plan) -> None:
        self.tenant, self.dataset, self.plan = tenant, dataset, plan
        count = min(CHECK_BATCH, len(dataset.msisdns))
        self.batches = [rng.sample(dataset.msisdns, count) for _ in range(CHECK_BATCHES)]
        self.scenario = Scenario(f"checkOptOuts x{CHECK_BATCH}, {CHECK_CLIENTS} clients", "tokens/s", CHECK_BATCH)

    async def verify(self, connection: asyncpg.Connection, sides: Sequence[Side]) -> None:
        """Both servers give the same, right answer before anything is timed."""
        tenant = self.tenant
        for batch in self.batches[:3]:
            expected = {r["token"] for r in await connection.fetch(sql.CHECK, tenant.list_id, CHANNEL, batch)}
            assert expected == self.dataset.opted_out.intersection(batch) and expected
            for side in sides:
                variables = {"accountId": tenant.account_public_id, "tokens": batch}
                host, port = side.server.host, side.server.port
                statuses = (await http.graphql(host, port, tenant.admin_key, CHECK_QUERY, variables))["checkOptOuts"]
                assert [s["token"] for s in statuses] == batch, f"{side.name}: every token, in order"
                assert {s["token"] for s in statuses if s["optedOut"]} == expected, side.name

    async def run(self, driver: Driver, connection: asyncpg.Connection, side: Side) -> Run:
        variables = {"accountId": self.tenant.account_public_id, "tokens": http.VALUE}
        template = _template(side, self.tenant.admin_key, CHECK_QUERY, variables)
        values = [json.dumps(b) for b in self.batches]
        run = await timed(driver, connection, side, template, values, b'{"data":{"checkOptOuts":[', self.plan)
        self.scenario.passes(side).runs.append(run)
        return run


class Writes:
    """optOut of a fresh token on [SMS], the main benchmark's `writes`. Each pass writes a slice of
    fresh numbers of its own; after it, each number written must hold one state and one event."""

    def __init__(self, tenant: Tenant, tokens: list[str], passes: int, plan: Plan) -> None:
        self.tenant, self.plan = tenant, plan
        self.slices = [tokens[i::passes] for i in range(passes)]
        self.scenario = Scenario(f"optOut, {WRITE_CLIENTS} clients", "/s", 1)

    async def run(self, driver: Driver, connection: asyncpg.Connection, side: Side) -> Run:
        fresh = self.slices.pop()
        tenant = self.tenant
        variables = {"input": {"accountId": tenant.account_public_id, "token": http.VALUE, "channels": [CHANNEL]}}
        template = _template(side, tenant.admin_key, OPT_OUT_MUTATION, variables)
        values = [json.dumps(t) for t in fresh]
        run = await timed(driver, connection, side, template, values, b'"action":"OPT_OUT"', self.plan)
        written = run.warmup_count + run.count
        assert written < len(fresh), "ran out of fresh tokens: raise WRITES_PER_SECOND in bench/overhead/cli.py"
        row = await connection.fetchrow(sql.WRITTEN, tenant.list_id, fresh[: written + 100])
        assert (row["states"], row["events"]) == (written, written), (side.name, dict(row), written)
        self.scenario.passes(side).runs.append(run)
        return run
