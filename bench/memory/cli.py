"""`./dev bench memory`: one `stoplist serve --workers 1` per garbage-collector setting
(`STOPLIST_GC_INTERVAL_SECONDS`; 0, the collection off, is the baseline), all on one throwaway
database. Measures RSS over rounds of WebSocket connections opened and dropped, then optOut
latency in alternated runs, prints each candidate against the baseline and (after a full run)
writes them into docs/BENCHMARKS.md, "Memory"."""

import argparse
import asyncio
import shlex
import sys
import textwrap
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.feed import say
from bench.feed.organizations import Organization, create_organizations
from bench.feed.records import Tokens
from bench.figures import Figure, text_table, verdicts
from bench.load import Driver, Plan, Run
from bench.memory import latency, rss
from bench.report import ResultsSection
from bench.session import LOGS, ROOT, add_docs_options, report_log_findings, session
from tests.support.server import Server, running_server

DOCS = ROOT / "docs" / "BENCHMARKS.md"
MARKERS = ("<!-- bench:memory:start -->", "<!-- bench:memory:end -->")
PARTS = ("rss", "latency")
BASELINE = "GC off"  # the table's baseline column: the server with STOPLIST_GC_INTERVAL_SECONDS=0
RESULTS = ResultsSection(DOCS, MARKERS, "Memory: latest results", BASELINE)
SETTLE_MARGIN = 1.5  # seconds waited after a round beyond the longest interval
# Seconds per latency run, at least, and at least three intervals. Under this load the baseline
# makes full collections too, when its thresholds are reached (every half a minute or so here):
# a run must hold a few of them as well as a few periodic ones.
MIN_DURATION = 60.0
MOST_SERVERS = 4  # each holds a pool of 20 database connections plus its feed listener
# The judged reading of issue 7's "flat RSS" and "keep the latency win".
MAX_GROWTH = 0.5  # MiB per round of connections (the collection off: about 4)
MAX_P99_RATIO = 1.2
MAX_THROUGHPUT_RATIO = 1.1  # the baseline's throughput over the candidate's
SIZES = ("connections", "rounds", "warmup_rounds", "clients", "duration", "warmup", "repeats")


def _intervals(text: str) -> list[float]:
    try:
        values = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of seconds") from None
    if not values or values[0] != 0 or len(values) < 2 or values[0] < 0:
        raise argparse.ArgumentTypeError("give 0 (the baseline) and at least one interval above 0, e.g. 0,10")
    if len(values) > MOST_SERVERS:
        raise argparse.ArgumentTypeError(f"at most {MOST_SERVERS} settings at once (the database's connections)")
    return values


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench memory", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test (about two minutes)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this measurement (repeatable)")
    parser.add_argument(
        "--intervals",
        type=_intervals,
        default=[0.0, 10.0],
        help="STOPLIST_GC_INTERVAL_SECONDS of each server, 0 (the baseline) first (default 0,10)",
    )
    parser.add_argument("--connections", type=int, default=300, help="WebSockets per round and server (default 300)")
    parser.add_argument("--rounds", type=int, help="measured rounds of connections (default 20, quick 3)")
    parser.add_argument("--warmup-rounds", type=int, default=1, help="rounds before the first RSS sample (default 1)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent optOut clients (default 16)")
    parser.add_argument(
        "--duration",
        type=float,
        help=f"seconds per latency run (default the larger of {MIN_DURATION:g} and 3 intervals; quick 8)",
    )
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each latency run (default 5, quick 2)")
    parser.add_argument("--repeats", type=int, help="latency runs per setting, alternated (default 3, quick 1)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the tokens written")
    add_docs_options(parser)
    return parser


def _defaults(args: argparse.Namespace) -> None:
    quick = args.quick
    args.rounds = args.rounds or (3 if quick else 20)
    args.duration = args.duration or (8.0 if quick else max(MIN_DURATION, 3 * max(args.intervals)))
    args.warmup = args.warmup if args.warmup is not None else (2.0 if quick else 5.0)
    args.repeats = args.repeats or (1 if quick else 3)


def label(interval: float) -> str:
    return BASELINE if interval == 0 else f"GC every {interval:g} s"


@contextmanager
def _servers(env: dict[str, str | None], intervals: list[float], part: str) -> Iterator[list[Server]]:
    """A fresh server per setting, all at once, so that the measurement can take turns between them."""
    with ExitStack() as stack:
        servers = []
        for interval in intervals:
            log = LOGS / f"memory-{part}-gc-{interval:g}.log"
            server = stack.enter_context(
                running_server({**env, "STOPLIST_GC_INTERVAL_SECONDS": f"{interval:g}"}, workers=1, log=log)
            )
            say(f"  {label(interval)}: pid {server.pid} on {server.url}, log in {log.relative_to(ROOT)}")
            servers.append(server)
        yield servers


def rss_figures(args: argparse.Namespace, series: list[rss.Series]) -> list[Figure]:
    base = series[0]
    figures = []
    for name, value, target in (
        ("RSS before the rounds", lambda s: s.start, None),
        (f"RSS after {args.rounds} rounds", lambda s: s.end, None),
        (f"RSS growth per round of {args.connections} connections", lambda s: s.growth_per_round, MAX_GROWTH),
    ):
        for interval, one in zip(args.intervals[1:], series[1:], strict=True):
            unit = "MiB/round" if target else "MiB"
            figures.append(Figure(f"{label(interval)}: {name}", unit, value(one), value(base), False, maximum=target))
    return figures


def latency_figures(args: argparse.Namespace, runs: list[Run]) -> list[Figure]:
    base = runs[0]
    ms = 1000.0
    figures = []
    for name, unit, value, higher, max_ratio in (
        (f"optOut, {args.clients} clients: throughput", "/s", lambda r: r.per_second, True, MAX_THROUGHPUT_RATIO),
        ("optOut: p50 latency", "ms", lambda r: r.percentile(50) * ms, False, None),
        ("optOut: p99 latency", "ms", lambda r: r.percentile(99) * ms, False, MAX_P99_RATIO),
        ("optOut: p99.9 latency", "ms", lambda r: r.percentile(99.9) * ms, False, None),
        ("optOut: max latency", "ms", lambda r: max(r.latencies) * ms, False, None),
        ("optOut: server CPU per request", "ms", lambda r: r.server_cpu_per_request * ms, False, None),
    ):
        for interval, run in zip(args.intervals[1:], runs[1:], strict=True):
            figures.append(
                Figure(f"{label(interval)}: {name}", unit, value(run), value(base), higher, max_ratio=max_ratio)
            )
    return figures


def reading(args: argparse.Namespace, series: list[rss.Series] | None, runs: list[Run] | None) -> str:
    """What the table shows, in words: generated, so that it always describes the latest run."""
    sentences = []
    if series is not None:
        base = series[0]
        sentences.append(
            f"Over {args.rounds} rounds of {args.connections} connections opened and dropped, the server with the "
            f"collection off went from {base.start:.0f} to {base.end:.0f} MiB of RSS, {base.growth_per_round:.2f} "
            "MiB a round"
        )
        for interval, one in zip(args.intervals[1:], series[1:], strict=True):
            sentences[-1] += (
                f"; with a full collection every {interval:g} s, from {one.start:.0f} to {one.end:.0f} MiB, "
                f"{one.growth_per_round:.2f} MiB a round"
            )
        sentences[-1] += "."
    if runs is not None:
        base = runs[0]
        for interval, run in zip(args.intervals[1:], runs[1:], strict=True):
            sentences.append(
                f"Under optOut load ({args.clients} clients, {args.repeats} run{'s' if args.repeats > 1 else ''} of "
                f"{args.duration:g} s per setting, alternated), collecting every {interval:g} s gave a p99 of "
                f"{run.percentile(99) * 1000:.1f} ms "
                f"against {base.percentile(99) * 1000:.1f} ms with the collection off "
                f"({run.percentile(99) / base.percentile(99):.2f}x), a p99.9 of {run.percentile(99.9) * 1000:.1f} "
                f"against {base.percentile(99.9) * 1000:.1f} ms, a maximum of {max(run.latencies) * 1000:.0f} against "
                f"{max(base.latencies) * 1000:.0f} ms, {run.per_second:,.0f} against "
                f"{base.per_second:,.0f} optOuts/s, and {run.server_cpu_per_request * 1000:.2f} against "
                f"{base.server_cpu_per_request * 1000:.2f} ms of server CPU per optOut."
            )
        if len(runs) > 2:
            best = min(range(1, len(runs)), key=lambda n: runs[n].percentile(99))
            sentences.append(f"Of the intervals, {args.intervals[best]:g} s had the lowest p99.")
    return textwrap.fill(" ".join(sentences), 100)


async def run(args: argparse.Namespace, command: str) -> int:
    parts = set(args.only or PARTS)
    settle = max(args.intervals) + SETTLE_MARGIN
    series: list[rss.Series] | None = None
    runs: list[Run] | None = None
    figures: list[Figure] = []
    async with session("memory") as run_session:
        database, pepper, env = run_session.database, run_session.pepper, run_session.env
        machine_info = run_session.machine_info
        organization: Organization | None = None
        if "rss" in parts:
            say(
                f"RSS: {args.warmup_rounds} + {args.rounds} rounds of {args.connections} WebSockets opened and "
                f"dropped, on each server; RSS read {settle:g} s after each round ..."
            )
            with _servers(env, args.intervals, "rss") as servers:
                (organization,) = await create_organizations(database.url, pepper, servers[0].host, servers[0].port, 1)
                series = await rss.measure(
                    servers,
                    organization.reader_key,
                    connections=args.connections,
                    rounds=args.rounds,
                    warmup_rounds=args.warmup_rounds,
                    settle=settle,
                )
            figures += rss_figures(args, series)
            say("\n" + text_table(figures, BASELINE) + "\n")
        if "latency" in parts:
            say(
                f"Latency: optOut, {args.clients} clients, {args.repeats} x {args.duration:g} s per setting after "
                f"{args.warmup:g} s warm-up each, alternated ..."
            )
            with _servers(env, args.intervals, "latency") as servers:
                if organization is None:
                    (organization,) = await create_organizations(
                        database.url, pepper, servers[0].host, servers[0].port, 1
                    )
                driver = Driver()
                try:
                    plan = Plan(concurrency=args.clients, duration=args.duration, warmup=args.warmup, cycle=False)
                    labels = [label(interval) for interval in args.intervals]
                    runs = await latency.alternated(
                        servers, labels, organization, driver, Tokens(args.seed), plan, args.repeats
                    )
                finally:
                    driver.close()
            part = latency_figures(args, runs)
            say("\n" + text_table(part, BASELINE) + "\n")
            figures += part

    say("Memory\n" + text_table(figures, BASELINE) + "\n")
    say(verdicts(figures))
    text = reading(args, series, runs)
    say("\n" + text)
    report_log_findings("memory")

    defaults = _parser().parse_args([])
    _defaults(defaults)
    full = (
        not args.quick
        and not args.only
        and args.intervals == defaults.intervals
        and all(getattr(args, n) == getattr(defaults, n) for n in SIZES)
    )
    if args.docs or (full and not args.no_docs):
        setup = {
            "servers": "`stoplist serve --workers 1`, log level WARNING, one per setting of "
            "`STOPLIST_GC_INTERVAL_SECONDS`: " + ", ".join(f"{i:g}" for i in args.intervals) + " (0: the collection "
            "off, the baseline); fresh servers for each measurement",
        }
        if series is not None:
            setup["RSS"] = (
                f"{args.warmup_rounds} warm-up + {args.rounds} rounds of {args.connections} WebSockets per server "
                f"(connection_init, subscribe to optOutEvents, ping/pong, TCP abort); VmRSS {settle:g} s after each "
                "round; growth per round is the least-squares slope"
            )
        if runs is not None:
            setup["latency"] = (
                f"optOut of a fresh token, {args.clients} clients, closed loop; {args.repeats} runs of "
                f"{args.duration:g} s per setting after {args.warmup:g} s warm-up each, alternated, pooled"
            )
        RESULTS.record(command, machine_info, setup, figures, text)
        say(f"Results written to {DOCS.relative_to(ROOT)}")
    return 0


def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    _defaults(args)
    if args.connections < 1 or args.rounds < 2 or args.clients < 1 or args.repeats < 1:
        sys.exit("--connections, --clients and --repeats must be positive, and --rounds at least 2")
    if not Path("/proc/self/status").exists():
        sys.exit("./dev bench memory reads RSS from /proc: it runs on Linux only")
    command = "./dev bench memory" + "".join(f" {shlex.quote(a)}" for a in argv)
    sys.exit(asyncio.run(run(args, command)))
