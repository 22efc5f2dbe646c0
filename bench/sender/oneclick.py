"""(2) The one-click opt-out: `POST /o/{code}` with RFC 8058's body `List-Unsubscribe=One-Click`,
as a mail provider sends it, from `CLIENTS` clients in a closed loop on bench/load.py's
child-process driver; each request goes to a link never posted before, so each is a real opt-out
(a state and an event with the link as evidence), not an idempotent no-op. The links are minted
beforehand through prepareMessages on an account with no instruction, so every number gets one,
and read from its answers. Baseline: the GraphQL optOut of a fresh token on SMS with a writer
key, at the same concurrency on the same server. Turns and pooling as in (1).

Afterwards every posted link's token must be opted out on SMS, by exactly one LINK event naming
that link, and every token of the baseline opted out."""

import asyncio
import math
import re
from dataclasses import dataclass
from functools import partial
from uuid import UUID

import asyncpg

from bench import http
from bench.feed import say
from bench.feed.records import Tokens
from bench.figures import Figure
from bench.http import RequestTemplate
from bench.inbound.requests import values
from bench.load import Driver, Plan, Run
from bench.memory.latency import pooled
from bench.sender import clients, requests
from bench.sender.accounts import Accounts, Tenant
from bench.sender.requests import BODY, OPTED_OUT, RECIPIENTS, UNSUBSCRIBED
from bench.sender.runs import Loaded, on_server, used
from tests.support.server import Server

CLIENTS = 16
MAX_REQUESTS_PER_SECOND = 2_000  # links are minted, and fresh tokens drawn, for this many a second
MINTING_CALLS = 4  # prepareMessages in flight while the links are minted
_LINK = re.compile(r"/o/([0-9a-z]{10})$")
# Posted links (code, token) whose token is opted out on SMS by exactly one LINK event of that code.
POSTED_OPTED_OUT = """
SELECT count(*) FROM unnest($2::text[], $3::text[]) AS posted(code, token)
WHERE EXISTS (
    SELECT FROM opt_out_states s
    WHERE s.list_id = $1 AND s.channel = 'SMS' AND s.token = posted.token AND s.opted_out
) AND (
    SELECT count(*) FROM opt_out_events e
    WHERE e.list_id = $1 AND e.token = posted.token AND e.channel = 'SMS' AND e.action = 'OPT_OUT'
      AND e.source = 'LINK' AND e.evidence ->> 'link_code' = posted.code
) = 1"""
OPTED_OUT_TOKENS = """
SELECT count(*) FROM opt_out_states WHERE list_id = $1 AND channel = 'SMS' AND token = ANY($2::text[]) AND opted_out"""

Link = tuple[str, str]  # (code, token)


@dataclass(frozen=True)
class Measured:
    posts: Run
    opt_outs: Run
    posts_database_cpu: float
    opt_outs_database_cpu: float
    posted: int  # links posted, warm-ups included
    not_opted_out: int  # of them, those whose token is not opted out by exactly one event of that link
    opt_outs_missing: int  # the baseline's tokens not opted out
    posts_p99s: list[float]  # of each run, in seconds
    opt_outs_p99s: list[float]
    others: float  # the most that other work took of the machine's CPUs in a run

    def database_cpu_per_request(self, posts: bool) -> float:
        run, seconds = (self.posts, self.posts_database_cpu) if posts else (self.opt_outs, self.opt_outs_database_cpu)
        return seconds / max(1, run.count + run.warmup_count)


async def mint(server: Server, tenant: Tenant, tokens: Tokens, count: int) -> list[Link]:
    """`count` links or a few more, of fresh numbers, as prepareMessages answers them."""
    slots = asyncio.Semaphore(MINTING_CALLS)

    async def call(numbers: list[str]) -> list[Link]:
        variables = {"a": tenant.public.account_id, "body": BODY, "to": numbers}
        async with slots:
            data = await http.graphql(server.host, server.port, tenant.public.reader_key, requests.PREPARE, variables)
        links = []
        for result in data["prepareMessages"]:
            found = _LINK.search(result["message"]["body"])
            if found is None:
                raise RuntimeError(f"no link in a message to an account with no instruction: {result}")
            links.append((found.group(1), result["to"]))
        return links

    calls = requests.recipients(tokens, math.ceil(count / RECIPIENTS))
    return [link for links in await asyncio.gather(*(call(numbers) for numbers in calls)) for link in links]


async def _closed_loop(
    server: Server,
    workers: int,
    database_pid: int,
    driver: Driver,
    template: RequestTemplate,
    fresh: list[str],
    expect: bytes,
    plan: Plan,
) -> tuple[Loaded, int]:
    """The run, and how many of `fresh` it used."""
    job = driver.run(partial(clients.http_job, server, workers, template, fresh, [(expect, 1)], plan))
    loaded = await on_server(server, database_pid, job)
    return loaded, len(used(loaded.run, fresh, "MAX_REQUESTS_PER_SECOND in bench/sender/oneclick.py"))


def _describe(label: str, loaded: Loaded) -> str:
    run = loaded.run
    return (
        f"{label}: {run.per_second:,.0f}/s, p50 {run.percentile(50) * 1000:.1f} ms, p99 "
        f"{run.percentile(99) * 1000:.1f} ms, CPU per request: server {run.server_cpu_per_request * 1000:.2f} ms, "
        f"PostgreSQL {loaded.database_cpu / max(1, run.count + run.warmup_count) * 1000:.2f} ms; other work took "
        f"{loaded.others:.0%} of the CPUs"
    )


async def _check(dsn: str, list_id: UUID, posted: list[Link], opted_out: list[str]) -> tuple[int, int]:
    connection = await asyncpg.connect(dsn)
    try:
        codes, tokens = [code for code, _ in posted], [token for _, token in posted]
        good = await connection.fetchval(POSTED_OPTED_OUT, list_id, codes, tokens)
        done = await connection.fetchval(OPTED_OUT_TOKENS, list_id, opted_out)
    finally:
        await connection.close()
    return len(posted) - good, len(opted_out) - done


async def alternated(
    server: Server,
    workers: int,
    dsn: str,
    database_pid: int,
    accounts: Accounts,
    driver: Driver,
    tokens: Tokens,
    *,
    duration: float,
    warmup: float,
    repeats: int,
) -> Measured:
    plan = Plan(concurrency=CLIENTS, duration=duration, warmup=warmup, cycle=False)
    per_run = math.ceil(MAX_REQUESTS_PER_SECOND * (duration + warmup))
    say(f"  minting {per_run * repeats:,} links through prepareMessages ...")
    links = await mint(server, accounts.links, tokens, per_run * repeats)
    tenant = accounts.links.public
    opt_out = requests.opt_out(server.host, server.port, accounts.writer_key, tenant.account_id)
    one_click = requests.OneClick.post(server.host, server.port)
    posts: list[Loaded] = []
    opt_outs: list[Loaded] = []
    posted: list[Link] = []
    opted_out: list[str] = []
    for repeat in range(repeats):
        fresh = links[repeat * per_run : (repeat + 1) * per_run]
        loaded, count = await _closed_loop(
            server, workers, database_pid, driver, one_click, [code for code, _ in fresh], UNSUBSCRIBED, plan
        )
        posts.append(loaded)
        posted += fresh[:count]
        say(f"  run {repeat + 1}/{repeats}, " + _describe("one-click POST", loaded))
        fresh_tokens = tokens.take(per_run)
        loaded, count = await _closed_loop(
            server, workers, database_pid, driver, opt_out, values(fresh_tokens), OPTED_OUT, plan
        )
        opt_outs.append(loaded)
        opted_out += fresh_tokens[:count]
        say(f"  run {repeat + 1}/{repeats}, " + _describe("GraphQL optOut", loaded))
    not_opted_out, missing = await _check(dsn, accounts.links.list_id, posted, opted_out)
    say(
        f"  {len(posted):,} links posted: {not_opted_out} not opted out by exactly one event of their link; "
        f"{missing} of the baseline's tokens not opted out"
    )
    return Measured(
        pooled([loaded.run for loaded in posts]),
        pooled([loaded.run for loaded in opt_outs]),
        sum(loaded.database_cpu for loaded in posts),
        sum(loaded.database_cpu for loaded in opt_outs),
        len(posted),
        not_opted_out,
        missing,
        [loaded.run.percentile(99) for loaded in posts],
        [loaded.run.percentile(99) for loaded in opt_outs],
        max(loaded.others for loaded in posts + opt_outs),
    )


def figures(measured: Measured) -> list[Figure]:
    posts, bare = measured.posts, measured.opt_outs
    ms = 1000.0
    vs = "(vs GraphQL optOut)"
    return [
        Figure(
            f"one-click POST /o/{{code}}, {CLIENTS} clients, a fresh link each: p99 latency {vs}",
            "ms",
            posts.percentile(99) * ms,
            bare.percentile(99) * ms,
            False,
            maximum=50,
        ),
        Figure(f"one-click POST: p50 latency {vs}", "ms", posts.percentile(50) * ms, bare.percentile(50) * ms, False),
        Figure(f"one-click POST: throughput {vs}", "/s", posts.per_second, bare.per_second, True),
        Figure(
            f"one-click POST: server CPU per request {vs}",
            "ms",
            posts.server_cpu_per_request * ms,
            bare.server_cpu_per_request * ms,
            False,
        ),
        Figure(
            f"one-click POST: PostgreSQL CPU per request {vs}",
            "ms",
            measured.database_cpu_per_request(True) * ms,
            measured.database_cpu_per_request(False) * ms,
            False,
        ),
        Figure(
            "one-click POST: links posted whose token is not opted out by exactly one event of that link",
            "",
            measured.not_opted_out,
            None,
            False,
            maximum=0,
            count=True,
        ),
        Figure(
            "GraphQL optOut (baseline): tokens not opted out",
            "",
            measured.opt_outs_missing,
            None,
            False,
            maximum=0,
            count=True,
        ),
    ]
