"""`./dev bench feed`: runs the three feed measurements on a throwaway database, prints them with
their targets, and (after a full run) writes them into docs/BENCHMARKS.md, "Live feed"."""

import argparse
import asyncio
import random
import shlex
import sys

from bench.feed import fanout, latency, say, writes
from bench.feed.organizations import Organization, create_organizations
from bench.feed.priming import prime_organizations
from bench.feed.records import Tokens
from bench.feed.subscribers import Subscribers
from bench.feed.writers import Writers
from bench.figures import Figure, text_table, verdicts
from bench.load import Driver
from bench.report import results_section, write_results
from bench.session import LOGS, ROOT, add_docs_options, report_log_findings, session
from tests.support.server import Server, running_server

DOCS = ROOT / "docs" / "BENCHMARKS.md"
MARKERS = ("<!-- bench:feed:start -->", "<!-- bench:feed:end -->")
PARTS = ("latency", "deliveries", "writes")
# Writes of each spread run, per second of --write-duration: about what one process answers here.
SPREAD_WRITES_PER_SECOND = 400
CLIENT_PROCESSES = 2  # subscriber processes: one per core of the machine the figures are taken on
BASELINE = "baseline"  # the table's column: each figure's name says which baseline it is
SIZES = ("workers", "subscribers", "orgs", "rate", "duration", "events", "rounds", "write_duration", "warmup")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench feed", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test (a minute or two)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this measurement (repeatable)")
    parser.add_argument("--workers", type=int, default=2, help="server processes for the latency run (default 2)")
    parser.add_argument("--subscribers", type=int, default=500, help="subscribers (default 500)")
    parser.add_argument("--orgs", type=int, default=50, help="organizations of the latency run (default 50)")
    parser.add_argument("--rate", type=float, default=200.0, help="optOuts per second of the latency run (default 200)")
    parser.add_argument("--duration", type=float, help="seconds of the latency run (default 60, quick 10)")
    parser.add_argument("--events", type=int, help="events per deliveries round (default 200, quick 50)")
    parser.add_argument("--rounds", type=int, help="deliveries rounds (default 5, quick 2)")
    parser.add_argument("--write-duration", type=float, help="seconds per write-throughput run (default 12, quick 3)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each write run (default 2, quick 1)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the tokens and the organizations written to")
    add_docs_options(parser)
    return parser


def _defaults(args: argparse.Namespace) -> None:
    quick = args.quick
    args.duration = args.duration or (10.0 if quick else 60.0)
    args.events = args.events or (50 if quick else 200)
    args.rounds = args.rounds or (2 if quick else 5)
    args.write_duration = args.write_duration or (3.0 if quick else 12.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)


def _show(title: str, figures: list[Figure]) -> None:
    say(f"\n{title}\n" + text_table(figures, BASELINE) + "\n")


async def _latency(
    args: argparse.Namespace, env: dict[str, str | None], database_url: str, pepper: str, tools: "Tools"
) -> tuple[list[Figure], list[Organization]]:
    say(f"Latency: {args.subscribers} subscribers over {args.orgs} organizations, --workers {args.workers} ...")
    with running_server(env, workers=args.workers, log=LOGS / "feed-latency-server.log") as server:
        organizations = await create_organizations(database_url, pepper, server.host, server.port, args.orgs)
        plan = latency.Plan(
            rate=args.rate,
            duration=args.duration,
            baseline_duration=min(args.duration, 20.0),
            subscribers=args.subscribers,
            workers=args.workers,
        )
        figures = await latency.measure(
            server,
            database_url,
            organizations,
            tools.subscribers,
            tools.writers,
            tools.tokens,
            plan,
            random.Random(args.seed),
        )
    _show("Latency", figures)
    return figures, organizations


async def _one_process(
    args: argparse.Namespace,
    env: dict[str, str | None],
    database_url: str,
    pepper: str,
    tools: "Tools",
    organizations: list[Organization],
    parts: set[str],
) -> list[Figure]:
    """(b) and (c) share a one-process server and its subscribers of one organization."""
    floor: list[fanout.Round] = []
    if "deliveries" in parts:
        say(f"Deliveries: bare Starlette broadcast to {args.subscribers} subscribers ...")
        floor = await fanout.baseline(
            tools.subscribers, args.subscribers, args.events, args.rounds, LOGS / "feed-broadcast.log", tools.tokens
        )
    figures: list[Figure] = []
    with running_server(env, workers=1, log=LOGS / "feed-server.log") as server:
        count = args.orgs if "writes" in parts else 1
        organizations = organizations or await create_organizations(
            database_url, pepper, server.host, server.port, count
        )
        organization = organizations[0]
        quiet = None
        if "writes" in parts:
            figures += await _spread_writes(args, server, organizations, tools)
            say(f"Writes: optOut, closed loop, {args.write_duration:g} s, no subscribers ...")
            quiet = await writes.closed_loop(
                server, organization, tools.driver, tools.tokens, args.write_duration, args.warmup
            )
            writes.describe("no subscribers", quiet, args.warmup)
        say(f"Subscribing {args.subscribers} subscribers of one organization to the one-process server ...")
        await fanout.subscribe(server, organization, tools.subscribers, args.subscribers, tools.writers, tools.tokens)
        try:
            if "deliveries" in parts:
                say(f"Deliveries: {args.rounds} rounds of {args.events} events written through a second server ...")
                producer_env = {**env, "STOPLIST_DB_APPLICATION_NAME": "stoplist-producer"}
                with running_server(producer_env, workers=1, log=LOGS / "feed-producer.log") as producer:
                    measured = await fanout.api(
                        server,
                        producer,
                        organization,
                        tools.subscribers,
                        tools.writers,
                        tools.tokens,
                        args.events,
                        args.rounds,
                    )
                part = fanout.figures(measured, floor, args.subscribers, args.events)
                _show("Deliveries", part)
                figures += part
            if quiet is not None:
                say(f"Writes: optOut, closed loop, {args.write_duration:g} s, {args.subscribers} subscribers ...")
                busy = await writes.closed_loop(
                    server,
                    organization,
                    tools.driver,
                    tools.tokens,
                    args.write_duration,
                    args.warmup,
                    tools.subscribers,
                )
                writes.describe(f"{args.subscribers} subscribers", busy, args.warmup)
                part = writes.figures(quiet, busy, args.subscribers)
                _show("Writes", part)
                figures += part
        finally:
            errors = await tools.subscribers.disconnect()
            for error in errors[:5]:
                say(f"  subscriber error: {error}")
            if errors:
                say(f"  {len(errors)} subscriber errors in all")
    return figures


async def _spread_writes(
    args: argparse.Namespace, server: Server, organizations: list[Organization], tools: "Tools"
) -> list[Figure]:
    """(c) as the target means it: subscribers in the organizations written to, 10 each."""
    rng = random.Random(args.seed + 5)
    count = round(args.write_duration * SPREAD_WRITES_PER_SECOND)
    say(f"Writes: {count:,} optOuts over {len(organizations)} organizations, 32 connections, no subscribers ...")
    quiet = await writes.spread(server, organizations, tools.writers, tools.tokens, count, rng)
    say(f"  {quiet.rate:,.0f} optOut/s, p99 {quiet.p99 * 1000:.1f} ms")
    org_of = [n % len(organizations) for n in range(args.subscribers)]
    await tools.subscribers.connect(
        server.url.replace("http://", "ws://") + "/graphql", [organizations[o].reader_key for o in org_of]
    )
    try:
        await prime_organizations(server, organizations, org_of, tools.subscribers, tools.writers, tools.tokens)
        per_org = args.subscribers // len(organizations)
        say(f"Writes: the same with {args.subscribers} subscribers, {per_org} per organization ...")
        busy = await writes.spread(server, organizations, tools.writers, tools.tokens, count, rng, tools.subscribers)
        say(f"  {busy.rate:,.0f} optOut/s, p99 {busy.p99 * 1000:.1f} ms; {busy.deliveries:,} deliveries meanwhile")
    finally:
        for error in (await tools.subscribers.disconnect())[:5]:
            say(f"  subscriber error: {error}")
    part = writes.spread_figures(quiet, busy, args.subscribers, len(organizations))
    _show("Writes over organizations", part)
    return part


class Tools:
    """The child processes every measurement drives, started once."""

    def __init__(self, seed: int) -> None:
        self.subscribers = Subscribers(CLIENT_PROCESSES)
        self.writers = Writers()
        self.driver = Driver()
        self.tokens = Tokens(seed)

    def close(self) -> None:
        self.subscribers.close()
        self.writers.close()
        self.driver.close()


async def run(args: argparse.Namespace, command: str) -> int:
    parts = set(args.only or PARTS)
    figures: list[Figure] = []
    tools = Tools(args.seed)
    try:
        async with session("feed") as run_session:
            database, pepper, env = run_session.database, run_session.pepper, run_session.env
            machine_info = run_session.machine_info
            organizations: list[Organization] = []
            if "latency" in parts:
                measured, organizations = await _latency(args, env, database.url, pepper, tools)
                figures += measured
            if parts & {"deliveries", "writes"}:
                figures += await _one_process(args, env, database.url, pepper, tools, organizations, parts)
    finally:
        tools.close()

    _show("Live feed", figures)
    say(verdicts(figures))
    report_log_findings("feed")

    defaults = _parser().parse_args([])
    _defaults(defaults)
    full = not args.quick and not args.only and all(getattr(args, n) == getattr(defaults, n) for n in SIZES)
    if args.docs or (full and not args.no_docs):
        setup = {
            "latency": f"{args.subscribers} subscribers over {args.orgs} organizations on `stoplist serve --workers "
            f"{args.workers}`; optOut at {args.rate:g}/s in open loop for {args.duration:g} s (baseline "
            f"{min(args.duration, 20.0):g} s)",
            "deliveries": f"{args.subscribers} subscribers of 1 organization on `--workers 1`; {args.rounds} rounds of "
            f"{args.events} optOuts through a second server",
            "writes": f"32 clients, closed loop, {args.write_duration:g} s after {args.warmup:g} s warm-up, on "
            "`--workers 1`",
            "clients": f"{CLIENT_PROCESSES} subscriber processes (websockets, uvloop); writers in their own process",
        }
        section = results_section(
            command=command, machine_info=machine_info, setup=setup, figures=figures, markers=MARKERS, baseline=BASELINE
        )
        write_results(DOCS, section, MARKERS, heading="Live feed: latest results")
        say(f"Results written to {DOCS.relative_to(ROOT)}")
    return 0


def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    _defaults(args)
    if args.subscribers < 1 or args.orgs < 1 or args.subscribers < args.orgs:
        sys.exit("--subscribers and --orgs must be positive, with at least one subscriber per organization")
    command = "./dev bench feed" + "".join(f" {shlex.quote(a)}" for a in argv)
    sys.exit(asyncio.run(run(args, command)))
