"""`./dev bench sender`: prepareMessages of 1,000 fresh numbers a call, half of them minted an
opt-out link, against the same work in plain Python and SQL; and the one-click `POST /o/{code}` of
a fresh link each against a GraphQL optOut; on one `stoplist serve` and one throwaway database.
Prints the figures with their targets and (after a full run) writes them into
docs/BENCHMARKS.md, "Sender tools"."""

import argparse
import asyncio
import shlex
import sys
import textwrap

from bench.feed import say
from bench.feed.records import Tokens
from bench.figures import Figure, text_table, verdicts
from bench.inbound.throughput import postgres_pid
from bench.load import ChildProcess, Driver
from bench.report import ResultsSection
from bench.sender import oneclick, prepare
from bench.sender.accounts import create_accounts
from bench.sender.requests import INSTRUCTION, RECIPIENTS
from bench.session import LOGS, ROOT, add_docs_options, report_log_findings, session
from tests.support.server import running_server

DOCS = ROOT / "docs" / "BENCHMARKS.md"
MARKERS = ("<!-- bench:sender:start -->", "<!-- bench:sender:end -->")
PARTS = ("prepare", "oneclick")
BASELINE = "baseline"  # the table's column: each figure's name says which baseline it is
RESULTS = ResultsSection(DOCS, MARKERS, "Sender tools: latest results", BASELINE)
SIZES = ("workers", "duration", "warmup", "repeats")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench sender", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test (about a minute)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this measurement (repeatable)")
    parser.add_argument("--workers", type=int, default=2, help="processes of `stoplist serve` (default 2)")
    parser.add_argument("--duration", type=float, help="seconds per run (default 10, quick 3)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each run (default 2, quick 1)")
    parser.add_argument("--repeats", type=int, help="runs of each side, alternated (default 3, quick 1)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the numbers")
    add_docs_options(parser)
    return parser


def _defaults(args: argparse.Namespace) -> None:
    quick = args.quick
    args.duration = args.duration or (3.0 if quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.repeats = args.repeats or (1 if quick else 3)


def _show(title: str, figures: list[Figure]) -> None:
    say(f"\n{title}\n" + text_table(figures, BASELINE) + "\n")


def _range(values: list[float], form: str) -> str:
    return f"{form.format(min(values))} to {form.format(max(values))}"


def _verdict(figure: Figure) -> str:
    return "met" if figure.verdict == "PASS" else "missed"


class Tools:
    """The child processes the measurements drive, started once: the load generator, and the
    processes of prepareMessages' baseline, as many as the server has."""

    def __init__(self, seed: int, processes: int) -> None:
        self.driver = Driver()
        self.baseline = [ChildProcess() for _ in range(processes)]
        self.tokens = Tokens(seed)

    def close(self) -> None:
        for process in (self.driver, *self.baseline):
            process.close()


def reading(args: argparse.Namespace, prepared: prepare.Measured | None, clicked: oneclick.Measured | None) -> str:
    """What the table shows, in words: generated, so that it always describes the latest run."""
    processes = f"{args.workers} server process{'es' if args.workers > 1 else ''}"
    sentences = []
    if prepared is not None:
        api, plain = prepared.api, prepared.baseline
        [rate, *_] = prepare.figures(prepared)
        sentences.append(
            f"On {processes}, prepareMessages made {api.per_second * RECIPIENTS:,.0f} messages ready a second "
            f"({prepare.CALLERS} callers, calls of {RECIPIENTS:,} fresh numbers, half of them Dutch and given "
            f'"{INSTRUCTION}", half German and each minted a link; a call took {api.percentile(50) * 1000:.0f} ms at '
            f"the median, {api.percentile(99) * 1000:.0f} ms at p99 and {api.server_cpu_per_request * 1000:.0f} ms "
            f"of server CPU), against {plain.per_second * RECIPIENTS:,.0f} a second for the same work in plain Python "
            f"and SQL in {prepared.processes} processes ({plain.percentile(50) * 1000:.0f} ms a call at the median, "
            f"{plain.server_cpu_per_request * 1000:.0f} ms of CPU): {api.per_second / plain.per_second:.2f} times its "
            f"rate. The target of 10,000 messages a second was {_verdict(rate)}; {prepared.wrong} messages of the call "
            f"read in full differed from the baseline's, and {prepared.unlinked} German numbers lacked exactly one "
            "link."
        )
        if len(prepared.api_rates) > 1:
            sentences.append(
                f"Single runs ranged from {_range(prepared.api_rates, '{:,.0f}')} messages/s for the API and "
                f"{_range(prepared.baseline_rates, '{:,.0f}')} for the baseline."
            )
    if clicked is not None:
        posts, bare = clicked.posts, clicked.opt_outs
        [p99, *_] = oneclick.figures(clicked)
        sentences.append(
            f"With {oneclick.CLIENTS} clients each posting to a link of its own, the one-click POST was answered in "
            f"{posts.percentile(50) * 1000:.0f} ms at the median and {posts.percentile(99) * 1000:.0f} ms at p99 "
            f"(target 50 ms: {_verdict(p99)}), {posts.per_second:,.0f} a second at "
            f"{posts.server_cpu_per_request * 1000:.2f} ms of server CPU each, against "
            f"{bare.percentile(50) * 1000:.0f} and {bare.percentile(99) * 1000:.0f} ms, {bare.per_second:,.0f} a "
            f"second and {bare.server_cpu_per_request * 1000:.2f} ms for a GraphQL optOut on the same server; "
            f"{clicked.not_opted_out} of the {clicked.posted:,} links posted were left without their one opt-out."
        )
        if len(clicked.posts_p99s) > 1:
            sentences.append(
                f"The p99 of single runs ranged from {_range([p * 1000 for p in clicked.posts_p99s], '{:.0f}')} ms "
                f"for the one-click POST and {_range([p * 1000 for p in clicked.opt_outs_p99s], '{:.0f}')} ms for "
                "optOut."
            )
    others = max([m.others for m in (prepared, clicked) if m is not None], default=0.0)
    sentences.append(
        f"Other work on the machine took at most {others:.0%} of its CPUs during a run against the server."
    )
    return textwrap.fill(" ".join(sentences), 100)


async def run(args: argparse.Namespace, command: str) -> int:
    parts = set(args.only or PARTS)
    figures: list[Figure] = []
    prepared = clicked = None
    tools = Tools(args.seed, args.workers)
    try:
        async with session("sender") as run_session:
            database, machine_info = run_session.database, run_session.machine_info
            # Without a budget per client address: every request of the load comes from loopback.
            env = {**run_session.env, "STOPLIST_LINK_LOOKUPS_PER_MINUTE": "0"}
            with running_server(env, workers=args.workers, log=LOGS / "sender-server.log") as server:
                say(f"Server pid {server.pid} on {server.url} ({args.workers} process(es), no background work)")
                accounts = await create_accounts(database.url, run_session.pepper, server.host, server.port)
                database_pid = await postgres_pid(database.url)
                if "prepare" in parts:
                    say(
                        f"prepareMessages: API and plain Python + SQL, {prepare.CALLERS} callers, {args.repeats} x "
                        f"{args.duration:g} s each after {args.warmup:g} s warm-up, alternated ..."
                    )
                    prepared = await prepare.alternated(
                        server,
                        database.url,
                        database_pid,
                        accounts,
                        tools.driver,
                        tools.baseline,
                        tools.tokens,
                        duration=args.duration,
                        warmup=args.warmup,
                        repeats=args.repeats,
                    )
                    part = prepare.figures(prepared)
                    _show("prepareMessages", part)
                    figures += part
                if "oneclick" in parts:
                    say(
                        f"One-click POST and GraphQL optOut, {oneclick.CLIENTS} clients, {args.repeats} x "
                        f"{args.duration:g} s each after {args.warmup:g} s warm-up, alternated ..."
                    )
                    clicked = await oneclick.alternated(
                        server,
                        args.workers,
                        database.url,
                        database_pid,
                        accounts,
                        tools.driver,
                        tools.tokens,
                        duration=args.duration,
                        warmup=args.warmup,
                        repeats=args.repeats,
                    )
                    part = oneclick.figures(clicked)
                    _show("One-click POST", part)
                    figures += part
    finally:
        tools.close()

    _show("Sender tools", figures)
    say(verdicts(figures))
    text = reading(args, prepared, clicked)
    say("\n" + text)
    report_log_findings("sender")

    defaults = _parser().parse_args([])
    _defaults(defaults)
    full = not args.quick and not args.only and all(getattr(args, n) == getattr(defaults, n) for n in SIZES)
    if args.docs or (full and not args.no_docs):
        runs = (
            f"{args.repeats} runs of {args.duration:g} s per side after {args.warmup:g} s warm-up each, alternated, "
            "pooled"
        )
        setup = {
            "server": f"`stoplist serve --workers {args.workers}`, `STOPLIST_LINK_LOOKUPS_PER_MINUTE=0` (no budget "
            "per client address: all the load comes from loopback), no background work",
            "load generator": "one child process (asyncio on uvloop); its keep-alive connections spread evenly over "
            "the server's processes",
            "prepareMessages": f"{prepare.CALLERS} callers, closed loop; each call {RECIPIENTS:,} fresh numbers, "
            f"+316... and +49151... alternating, the account's one instruction for NL; {runs}",
            "its baseline": "plain Python (`phonenumbers` parse, format and region; a segment count of its own; codes "
            "from `secrets`) and one asyncpg `INSERT ... SELECT unnest(...) ON CONFLICT DO NOTHING RETURNING` a call, "
            f"in {args.workers} processes of the benchmark sharing the {prepare.CALLERS} callers",
            "one-click": f"{oneclick.CLIENTS} clients, closed loop, `POST /o/{{code}}` with "
            "`List-Unsubscribe=One-Click` to a link never posted before (minted through prepareMessages first); "
            f"baseline the GraphQL optOut of a fresh token on SMS, writer key; {runs}",
        }
        RESULTS.record(command, machine_info, setup, figures, text)
        say(f"Results written to {DOCS.relative_to(ROOT)}")
    return 0


def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    _defaults(args)
    if args.workers < 1 or args.repeats < 1 or args.workers > prepare.CALLERS:
        sys.exit(
            f"--workers must be 1 to {prepare.CALLERS} (the baseline's processes share its callers), --repeats positive"
        )
    command = "./dev bench sender" + "".join(f" {shlex.quote(a)}" for a in argv)
    sys.exit(asyncio.run(run(args, command)))
