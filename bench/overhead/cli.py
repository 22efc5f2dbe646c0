"""`./dev bench overhead`: what the metrics and the request log cost checkOptOuts and optOut.

Two `stoplist serve` on one throwaway database and the main benchmark's dataset: one observed, as
deployed by default (STOPLIST_LOG_LEVEL=INFO, a line per request; STOPLIST_METRICS=true), one
unobserved (log level WARNING, STOPLIST_METRICS=false). Each scenario's passes alternate between
them; the figures are the observed server's against the unobserved one's, and the target is a
cost under 5% of throughput. Writes docs/BENCHMARKS.md, "Metrics and logs", after a full run."""

import argparse
import asyncio
import contextlib
import math
import random
import shlex
import sys
import textwrap
from collections.abc import Iterator

import asyncpg
import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench import dataset as data
from bench.feed import say
from bench.figures import Figure, text_table, verdicts
from bench.load import Driver, Plan
from bench.overhead.measure import TARGET, Checks, Scenario, Side, Writes, in_turn
from bench.report import ResultsSection
from bench.scenarios import CHECK_CLIENTS, WRITE_CLIENTS
from bench.session import LOGS, ROOT, add_docs_options, report_log_findings, session
from tests.support.server import Server, running_server

DOCS = ROOT / "docs" / "BENCHMARKS.md"
MARKERS = ("<!-- bench:overhead:start -->", "<!-- bench:overhead:end -->")
BASELINE = "both off"
RESULTS = ResultsSection(DOCS, MARKERS, "Metrics and logs: latest results", BASELINE)
FULL_SIZE = 1_000_000
GROUPS = 20
PARTS = ("check", "writes")
WRITES_PER_SECOND = 6_000  # fresh tokens for each write pass: enough for this rate over warm-up and run
OBSERVED = {"STOPLIST_LOG_LEVEL": "INFO", "STOPLIST_METRICS": "true"}
UNOBSERVED = {"STOPLIST_LOG_LEVEL": "WARNING", "STOPLIST_METRICS": "false"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench overhead", description=__doc__)
    parser.add_argument("--contacts", type=int, default=FULL_SIZE, help="contacts to load (default 1,000,000)")
    parser.add_argument("--workers", type=int, default=1, help="processes of each `stoplist serve` (default 1)")
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test")
    parser.add_argument("--rounds", type=int, help="passes of each side per scenario, alternated (default 6, quick 1)")
    parser.add_argument("--duration", type=float, help="seconds per pass (default 8, quick 3)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each pass (default 2, quick 1)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this scenario (repeatable)")
    parser.add_argument("--seed", type=int, default=1, help="dataset and token seed (default 1)")
    add_docs_options(parser)
    return parser


def _defaults(args: argparse.Namespace) -> None:
    args.rounds = args.rounds or (1 if args.quick else 6)
    args.duration = args.duration or (3.0 if args.quick else 8.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)


async def _requests_counted(server: Server) -> dict[str, float]:
    """What the observed server's /metrics counted, by operation: proof the metrics were on."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        answer = await client.get("/metrics")
    answer.raise_for_status()
    counted: dict[str, float] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            if sample.name == "stoplist_requests_total":
                operation = sample.labels["operation"]
                counted[operation] = counted.get(operation, 0.0) + sample.value
    return counted


async def _metrics_status(server: Server) -> int:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        return (await client.get("/metrics")).status_code


def _request_lines(server: Server) -> int:
    return sum(" request=" in line for line in server.log.read_text(errors="replace").splitlines())


async def _check_switches(on: Server, off: Server, served: int) -> None:
    """The observed server counted and logged every request it was sent; the other neither."""
    counted = await _requests_counted(on)
    measured_counts = sum(counted.get(operation, 0.0) for operation in ("checkOptOuts", "optOut"))
    assert measured_counts >= served, f"the observed server's metrics counted {measured_counts:.0f} of {served}"
    assert _request_lines(on) >= served, f"the observed server logged {_request_lines(on)} of {served} requests"
    assert await _metrics_status(off) == 404, "the unobserved server still serves /metrics"
    assert _request_lines(off) == 0, "the unobserved server logged request lines"


@contextlib.contextmanager
def _pair(env: dict[str, str | None], workers: int, index: int) -> Iterator[list[Side]]:
    """A fresh observed and unobserved server for round `index`, started in the round's order."""
    settings = {"observed": OBSERVED, "unobserved": UNOBSERVED}
    with contextlib.ExitStack() as stack:
        started = {
            name: stack.enter_context(
                running_server({**env, **settings[name]}, workers=workers, log=LOGS / f"overhead-{name}-{index}.log")
            )
            for name in in_turn(index, list(settings))
        }
        yield [Side("observed", started["observed"]), Side("unobserved", started["unobserved"])]


def _percent(ratio: float) -> str:
    return f"{(ratio - 1) * 100:+.1f}%"


def reading(args: argparse.Namespace, measured: list[Scenario]) -> str:
    """The table in words, made from the same run, so the prose cannot lag behind it."""
    processes = f"{args.workers} process{'es' if args.workers > 1 else ''} each"
    sentences = [
        f"Each of {args.rounds} rounds started a fresh pair of servers on the same database ({processes}), one "
        "with a log line per request and metrics recorded, one with both off, and ran a pass of each scenario "
        f"on each in turn, {args.duration:g} s after {args.warmup:g} s of warm-up; a rate is the median pass's."
    ]
    for scenario in measured:
        throughput, _, _, cpu = scenario.figures()
        ratios = scenario.round_ratios
        sentences.append(
            f"{scenario.label}: {throughput.api:,.0f} {scenario.unit} observed against {throughput.baseline:,.0f} "
            f"unobserved, {throughput.ratio:.3f}x ({_percent(throughput.ratio or 0)} cost; target under "
            f"{_percent(TARGET)}: {'met' if throughput.verdict == 'PASS' else 'missed'}), single rounds from "
            f"{_percent(min(ratios))} to {_percent(max(ratios))}; server CPU per request "
            f"{cpu.api:.2f} ms against {cpu.baseline:.2f} ms ({_percent(cpu.ratio or 0)})."
        )
    return textwrap.fill(" ".join(sentences), 100)


async def run(args: argparse.Namespace, command: str) -> int:
    parts = set(args.only or PARTS)
    passes = 2 * args.rounds
    spare = passes * WRITES_PER_SECOND * math.ceil(args.duration + args.warmup) if "writes" in parts else 0
    driver = Driver()
    try:
        async with session("overhead") as run_session:
            database, env = run_session.database, run_session.env
            with running_server({**env, **UNOBSERVED}, log=LOGS / "overhead-setup.log") as setup:
                tenant = await data.create_tenant(database.url, run_session.pepper, setup.host, setup.port, GROUPS)
            dataset = data.generate(args.contacts, spare, GROUPS, args.seed)
            connection = await asyncpg.connect(database.url)
            try:
                say(f"Loading {args.contacts:,} contacts ...")
                await data.load(connection, tenant, dataset, args.seed)
                measurements: list[Checks | Writes] = []
                if "check" in parts:
                    plan = Plan(concurrency=CHECK_CLIENTS, duration=args.duration, warmup=args.warmup)
                    measurements.append(Checks(tenant, dataset, random.Random(args.seed + 2), plan))
                if "writes" in parts:
                    plan = Plan(concurrency=WRITE_CLIENTS, duration=args.duration, warmup=args.warmup, cycle=False)
                    measurements.append(Writes(tenant, dataset.spare_msisdns, passes, plan))
                for index in range(args.rounds):
                    with _pair(env, args.workers, index) as sides:
                        say(f"Round {index + 1} of {args.rounds}: fresh servers, {args.workers} process(es) each")
                        served = 0
                        for measurement in measurements:
                            if isinstance(measurement, Checks):
                                await measurement.verify(connection, sides)
                            for side in in_turn(index, sides):
                                run = await measurement.run(driver, connection, side)
                                served += (run.count + run.warmup_count) if side.name == "observed" else 0
                        await _check_switches(sides[0].server, sides[1].server, served)
                measured = [measurement.scenario for measurement in measurements]
            finally:
                await connection.close()
    finally:
        driver.close()
    report_log_findings("overhead")

    figures: list[Figure] = [figure for scenario in measured for figure in scenario.figures()]
    say("\n" + text_table(figures, BASELINE) + "\n")
    summary = reading(args, measured)
    say(summary + "\n\n" + verdicts(figures))
    full = args.contacts == FULL_SIZE and not args.quick and not args.only
    if args.docs or (full and not args.no_docs):
        described = {
            "dataset": f"{args.contacts:,} contacts, as `./dev bench` loads them",
            "observed server": f"`stoplist serve --workers {args.workers}`, STOPLIST_LOG_LEVEL=INFO (log to a file), "
            "STOPLIST_METRICS=true",
            "unobserved server": f"`stoplist serve --workers {args.workers}`, STOPLIST_LOG_LEVEL=WARNING, "
            "STOPLIST_METRICS=false",
            "runs": f"{args.rounds} rounds, each with a fresh pair of servers and a pass per side and scenario "
            f"in turn, {args.duration:g} s each after {args.warmup:g} s warm-up",
        }
        RESULTS.record(command, run_session.machine_info, described, figures, summary)
        say(f"Results written to {DOCS.relative_to(ROOT)}")
    return 0


def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    if args.contacts < 1_000:
        sys.exit("--contacts must be at least 1,000: a check batch is 1,000 tokens")
    _defaults(args)
    command = "./dev bench overhead" + "".join(f" {shlex.quote(a)}" for a in argv)
    sys.exit(asyncio.run(run(args, command)))
