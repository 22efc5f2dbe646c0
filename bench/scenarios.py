"""The measured scenarios. Each first checks that the API and its raw-SQL baseline give the same
answer (and that both match what the generator loaded), then times both under the same load."""

import base64
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench import cpu, http, sql
from bench.dataset import CHANNEL, Dataset, Tenant
from bench.figures import Figure
from bench.http import RequestTemplate
from bench.load import Driver, Plan, Run
from bench.profile import sampled
from tests.support.server import Server

CHECK_BATCH = 1_000
CHECK_BATCHES = 400
CHECK_CLIENTS = 4
AUDIENCE_GROUPS = 5
PAGE_SIZE = 1_000
WRITE_CLIENTS = 32

CHECK_QUERY = """
query Check($accountId: ID!, $tokens: [String!]!) {
  checkOptOuts(accountId: $accountId, channel: SMS, tokens: $tokens) { token optedOut since reason }
}"""
PAGE_QUERY = """
query Page($accountId: ID!, $groupIds: [ID!]!, $first: Int) {
  audience(accountId: $accountId, groupIds: $groupIds, channel: SMS, purpose: PROMOTIONAL, first: $first) {
    edges { cursor node { contactId token viaBypassGroup } }
    pageInfo { hasNextPage endCursor }
  }
}"""
COUNT_QUERY = """
query Counts($accountId: ID!, $groupIds: [ID!]!) {
  audience(accountId: $accountId, groupIds: $groupIds, channel: SMS, purpose: PROMOTIONAL) {
    totalCount suppressedCount
  }
}"""
OPT_OUT_MUTATION = """
mutation OptOut($input: OptOutInput!) {
  optOut(input: $input) { events { id token channel action occurredAt } errors { code message } }
}"""


@dataclass
class Bench:
    server: Server
    dsn: str
    tenant: Tenant
    dataset: Dataset
    driver: Driver
    connection: asyncpg.Connection  # for checking answers, never timed
    duration: float
    warmup: float
    samples: int
    rng: random.Random
    profile_dir: Path | None = None

    def template(self, query: str, variables: dict[str, Any]) -> RequestTemplate:
        return RequestTemplate.graphql(self.server.host, self.server.port, self.tenant.admin_key, query, variables)

    async def call(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        return await http.graphql(self.server.host, self.server.port, self.tenant.admin_key, query, variables)

    async def api(self, name: str, template: RequestTemplate, values: Sequence[str], expect: bytes, plan: Plan) -> Run:
        """Request i is `template` with http.VALUE replaced by the JSON text values[i]."""
        output = self.profile_dir / f"{name}.txt" if self.profile_dir else None
        async with sampled(self.server.pid, output):
            before = cpu.tree_seconds(self.server.pid)
            run = await self.driver.http(self.server.host, self.server.port, template, values, expect, plan)
            run.server_cpu = cpu.tree_seconds(self.server.pid) - before
        return run

    async def raw(
        self,
        statement: str,
        arguments: Sequence[Any],
        plan: Plan,
        *,
        slot: int | None = None,
        values: Sequence[Any] = (None,),
        min_rows: int = 0,
    ) -> Run:
        """Call i runs `statement` with values[i] at arguments[slot]."""
        return await self.driver.sql(self.dsn, statement, arguments, slot, values, min_rows, plan)

    def audience_variables(self) -> dict[str, Any]:
        return {
            "accountId": self.tenant.account_public_id,
            "groupIds": self.tenant.group_public_ids[:AUDIENCE_GROUPS],
        }

    def audience_arguments(self) -> tuple[Any, ...]:
        tenant = self.tenant
        return (
            tenant.organization_id,
            tenant.list_id,
            CHANNEL,
            tenant.group_ids[:AUDIENCE_GROUPS],
            [],
        )

    def sequential(self, samples: int) -> Plan:
        """`samples` back-to-back requests on one connection; the durations are only a safety cap."""
        return Plan(concurrency=1, duration=600.0, warmup=600.0, limit=samples, warmup_limit=max(3, samples // 10))


def ms(seconds: float) -> float:
    return seconds * 1000


def server_cpu(label: str, api: Run) -> Figure:
    """Informational: the server's CPU time per request, steadier than any rate on a shared machine."""
    return Figure(f"{label}: server CPU per request", "ms", ms(api.server_cpu_per_request), None, False)


async def check_opt_outs(bench: Bench) -> list[Figure]:
    tenant, dataset = bench.tenant, bench.dataset
    batches = [bench.rng.sample(dataset.msisdns, min(CHECK_BATCH, len(dataset.msisdns))) for _ in range(CHECK_BATCHES)]

    for batch in batches[:3]:
        statuses = (await bench.call(CHECK_QUERY, {"accountId": tenant.account_public_id, "tokens": batch}))[
            "checkOptOuts"
        ]
        assert [s["token"] for s in statuses] == batch, "checkOptOuts must answer every token, in order"
        by_api = {s["token"] for s in statuses if s["optedOut"]}
        by_sql = {r["token"] for r in await bench.connection.fetch(sql.CHECK, tenant.list_id, CHANNEL, batch)}
        loaded = dataset.opted_out.intersection(batch)
        assert by_api == by_sql == loaded and loaded, (len(by_api), len(by_sql), len(loaded))

    plan = Plan(concurrency=CHECK_CLIENTS, duration=bench.duration, warmup=bench.warmup)
    template = bench.template(CHECK_QUERY, {"accountId": tenant.account_public_id, "tokens": http.VALUE})
    api = await bench.api("check", template, [json.dumps(b) for b in batches], b'{"data":{"checkOptOuts":[', plan)
    raw = await bench.raw(sql.CHECK, (tenant.list_id, CHANNEL, None), plan, slot=2, values=batches)
    per_request = len(batches[0])
    return [
        Figure(
            f"checkOptOuts x{per_request}, {CHECK_CLIENTS} clients: throughput",
            "tokens/s",
            api.per_second * per_request,
            raw.per_second * per_request,
            True,
            minimum=50_000,
            max_ratio=3,
        ),
        Figure("checkOptOuts: p50 latency", "ms", ms(api.percentile(50)), ms(raw.percentile(50)), False),
        Figure("checkOptOuts: p99 latency", "ms", ms(api.percentile(99)), ms(raw.percentile(99)), False),
        server_cpu("checkOptOuts", api),
    ]


def _cursor_token(cursor: str) -> str:
    return str(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))[-1])


async def audience_page(bench: Bench) -> list[Figure]:
    dataset = bench.dataset
    variables = {**bench.audience_variables(), "first": PAGE_SIZE}
    arguments = (*bench.audience_arguments(), "", PAGE_SIZE + 1)

    page = (await bench.call(PAGE_QUERY, variables))["audience"]
    rows = await bench.connection.fetch(sql.AUDIENCE_PAGE, *arguments)
    by_api = [(e["node"]["contactId"], e["node"]["token"], e["node"]["viaBypassGroup"]) for e in page["edges"]]
    by_sql = [(f"con_{r['contact_id'].hex}", r["token"], r["via_bypass"]) for r in rows[:PAGE_SIZE]]
    members = dataset.members(set(range(AUDIENCE_GROUPS)))
    loaded = sorted(
        (dataset.msisdns[i], f"con_{dataset.contact_ids[i].hex}")
        for i in members
        if dataset.msisdns[i] not in dataset.opted_out
    )
    expected = [(contact, token, False) for token, contact in loaded[:PAGE_SIZE]]
    assert by_api == by_sql == expected, "the audience page differs between the API, the raw SQL and the dataset"
    assert page["pageInfo"]["hasNextPage"] == (len(rows) > PAGE_SIZE) == (len(loaded) > PAGE_SIZE)
    if by_api:
        assert _cursor_token(page["pageInfo"]["endCursor"]) == by_api[-1][1]

    plan = bench.sequential(bench.samples)
    api = await bench.api("page", bench.template(PAGE_QUERY, variables), [""], b'"pageInfo":', plan)
    raw = await bench.raw(sql.AUDIENCE_PAGE, arguments, plan)
    label = f"audience page (first {PAGE_SIZE}, {AUDIENCE_GROUPS} groups)"
    return [
        Figure(f"{label}: p50", "ms", ms(api.percentile(50)), ms(raw.percentile(50)), False),
        Figure(f"{label}: p99", "ms", ms(api.percentile(99)), ms(raw.percentile(99)), False, maximum=50),
        Figure(f"{label}: max", "ms", ms(max(api.latencies)), ms(max(raw.latencies)), False),
        server_cpu("audience page", api),
    ]


async def audience_counts(bench: Bench) -> list[Figure]:
    dataset = bench.dataset
    variables = bench.audience_variables()
    arguments = (*bench.audience_arguments(), True)

    counts = (await bench.call(COUNT_QUERY, variables))["audience"]
    row = await bench.connection.fetchrow(sql.AUDIENCE_COUNTS, *arguments)
    tokens = {dataset.msisdns[i] for i in dataset.members(set(range(AUDIENCE_GROUPS)))}
    suppressed = len(tokens & dataset.opted_out)
    expected = (len(tokens) - suppressed, suppressed)
    assert (counts["totalCount"], counts["suppressedCount"]) == (row["total"], row["suppressed"]) == expected, (
        counts,
        dict(row),
        expected,
    )

    plan = bench.sequential(max(5, bench.samples // 20))
    api = await bench.api("counts", bench.template(COUNT_QUERY, variables), [""], b'"suppressedCount":', plan)
    raw = await bench.raw(sql.AUDIENCE_COUNTS, arguments, plan)
    return [
        Figure(
            f"audience totalCount + suppressedCount ({AUDIENCE_GROUPS} groups): mean",
            "ms",
            ms(api.mean),
            ms(raw.mean),
            False,
            max_ratio=1.5,
        ),
        server_cpu("audience counts", api),
    ]


async def opt_out_writes(bench: Bench) -> list[Figure]:
    tenant, spare = bench.tenant, bench.dataset.spare_msisdns
    half = len(spare) // 2
    api_tokens, sql_tokens = spare[:half], spare[half:]
    plan = Plan(concurrency=WRITE_CLIENTS, duration=bench.duration, warmup=bench.warmup, cycle=False)

    variables = {"input": {"accountId": tenant.account_public_id, "token": http.VALUE, "channels": [CHANNEL]}}
    api = await bench.api(
        "writes",
        bench.template(OPT_OUT_MUTATION, variables),
        [json.dumps(t) for t in api_tokens],
        b'"action":"OPT_OUT"',
        plan,
    )
    arguments = (
        tenant.organization_id,
        tenant.list_id,
        tenant.account_id,
        None,
        [CHANNEL],
        tenant.admin_key_id,
    )
    raw = await bench.raw(sql.OPT_OUT, arguments, plan, slot=3, values=sql_tokens, min_rows=1)

    for run, tokens in ((api, api_tokens), (raw, sql_tokens)):
        written = run.warmup_count + run.count
        assert written < len(tokens), "ran out of fresh tokens: raise the spare count in bench/__main__.py"
        row = await bench.connection.fetchrow(sql.WRITTEN, tenant.list_id, tokens[: written + 100])
        assert (row["states"], row["events"]) == (written, written), (dict(row), written)
    return [
        Figure(
            f"optOut, {WRITE_CLIENTS} clients: throughput",
            "/s",
            api.per_second,
            raw.per_second,
            True,
            minimum=2_000,
        ),
        Figure("optOut: p50 latency", "ms", ms(api.percentile(50)), ms(raw.percentile(50)), False),
        Figure("optOut: p99 latency", "ms", ms(api.percentile(99)), ms(raw.percentile(99)), False, maximum=50),
        server_cpu("optOut", api),
    ]


SCENARIOS = {
    "check": check_opt_outs,
    "page": audience_page,
    "counts": audience_counts,
    "writes": opt_out_writes,
}
