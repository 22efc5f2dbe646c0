"""optOut under load on each server: the `writes` scenario's request (bench/scenarios.py), a fresh
token each, in a closed loop on bench/load.py's child-process driver. The configurations take
turns (baseline, candidate, baseline, candidate, ...), each run after the same warm-up, and the
runs of one configuration are pooled: their latencies together, their counts and seconds summed."""

import json
import math

from bench import cpu
from bench.feed import say
from bench.feed.organizations import Organization
from bench.feed.records import Tokens
from bench.feed.writes import MAX_WRITES_PER_SECOND
from bench.http import VALUE, RequestTemplate
from bench.load import Driver, Plan, Run
from bench.scenarios import OPT_OUT_MUTATION
from tests.support.server import Server

EXPECT = b'"action":"OPT_OUT"'


async def opt_outs(server: Server, organization: Organization, driver: Driver, tokens: Tokens, plan: Plan) -> Run:
    values = tokens.take(math.ceil(MAX_WRITES_PER_SECOND * (plan.duration + plan.warmup)))
    variables = {"input": {"accountId": organization.account_id, "token": VALUE, "channels": ["SMS"]}}
    template = RequestTemplate.graphql(server.host, server.port, organization.admin_key, OPT_OUT_MUTATION, variables)
    before = cpu.tree_seconds(server.pid)
    run = await driver.http(server.host, server.port, template, [json.dumps(v) for v in values], EXPECT, plan)
    run.server_cpu = cpu.tree_seconds(server.pid) - before
    if run.warmup_count + run.count >= len(values):
        raise RuntimeError("ran out of fresh tokens: raise MAX_WRITES_PER_SECOND in bench/feed/writes.py")
    return run


def pooled(runs: list[Run]) -> Run:
    return Run(
        elapsed=sum(r.elapsed for r in runs),
        latencies=[latency for r in runs for latency in r.latencies],
        warmup_count=sum(r.warmup_count for r in runs),
        server_cpu=sum(r.server_cpu for r in runs),
    )


async def alternated(
    servers: list[Server],
    labels: list[str],
    organization: Organization,
    driver: Driver,
    tokens: Tokens,
    plan: Plan,
    repeats: int,
) -> list[Run]:
    """`repeats` runs on each server, in turns; the pooled run of each server."""
    runs: list[list[Run]] = [[] for _ in servers]
    for repeat in range(repeats):
        for server, label, done in zip(servers, labels, runs, strict=True):
            run = await opt_outs(server, organization, driver, tokens, plan)
            done.append(run)
            say(
                f"  run {repeat + 1}/{repeats}, {label}: {run.per_second:,.0f} optOut/s, p50 "
                f"{run.percentile(50) * 1000:.1f} ms, p99 {run.percentile(99) * 1000:.1f} ms, p99.9 "
                f"{run.percentile(99.9) * 1000:.1f} ms, max {max(run.latencies) * 1000:.0f} ms, server CPU "
                f"{run.server_cpu_per_request * 1000:.2f} ms/optOut"
            )
    return [pooled(done) for done in runs]
