"""`./dev bench inbound`: inbound STOPs through `POST /inbound/sms` against a bare optOut, the
webhooks and confirmations they queue delivered to a receiver on loopback, and the latency from
a STOP's answer to its webhook and its confirmation arriving, on one throwaway database; prints
the figures with their targets and (after a full run) writes them into docs/BENCHMARKS.md,
"Inbound, webhooks and confirmations"."""

import argparse
import asyncio
import shlex
import sys
import textwrap
from pathlib import Path

import asyncpg

from bench.feed import say
from bench.feed.records import Tokens
from bench.feed.verify import percentile
from bench.feed.writers import Writers
from bench.figures import Figure, text_table, verdicts
from bench.inbound import deliveries, latency, mixed, throughput
from bench.inbound.accounts import Accounts, create_accounts
from bench.inbound.receiver import SMS, WEBHOOK, Receiver, receiving
from bench.inbound.senders import Gateway, Relay
from bench.load import Driver, Run
from bench.profile import py_spy, sampled
from bench.report import ResultsSection
from bench.session import LOGS, ROOT, add_docs_options, report_log_findings, session
from tests.support.server import running_server

DOCS = ROOT / "docs" / "BENCHMARKS.md"
MARKERS = ("<!-- bench:inbound:start -->", "<!-- bench:inbound:end -->")
PARTS = ("throughput", "deliveries", "latency", "mixed")
BASELINE = "baseline"  # the table's column: each figure's name says which baseline it is
RESULTS = ResultsSection(DOCS, MARKERS, "Inbound, webhooks and confirmations: latest results", BASELINE)
SIZES = ("workers", "duration", "warmup", "repeats", "rate", "latency_duration", "mixed_duration")
RECEIVER_SECONDS = 5.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench inbound", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke test (about a minute)")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this measurement (repeatable)")
    parser.add_argument("--workers", type=int, default=2, help="processes of each `stoplist serve` (default 2)")
    parser.add_argument("--duration", type=float, help="seconds per throughput run (default 12, quick 3)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each throughput run (default 2, quick 1)")
    parser.add_argument("--repeats", type=int, help="throughput runs of each kind, alternated (default 3, quick 1)")
    parser.add_argument("--rate", type=float, default=200.0, help="STOPs per second of the latency run (default 200)")
    parser.add_argument("--latency-duration", type=float, help="seconds of the latency run (default 30, quick 8)")
    parser.add_argument(
        "--mixed-duration", type=float, help="seconds of the serve-and-deliver run (default 12, quick 3)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seeds the senders' numbers")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample the servers with py-spy into DIR/inbound-{stops,drain,latency}.txt (collapsed stacks)",
    )
    add_docs_options(parser)
    return parser


def _defaults(args: argparse.Namespace) -> None:
    quick = args.quick
    args.duration = args.duration or (3.0 if quick else 12.0)
    args.warmup = args.warmup if args.warmup is not None else (1.0 if quick else 2.0)
    args.repeats = args.repeats or (1 if quick else 3)
    args.latency_duration = args.latency_duration or (8.0 if quick else 30.0)
    args.mixed_duration = args.mixed_duration or (3.0 if quick else 12.0)


def _show(title: str, figures: list[Figure]) -> None:
    say(f"\n{title}\n" + text_table(figures, BASELINE) + "\n")


def _profile(args: argparse.Namespace, name: str) -> Path | None:
    return args.profile / f"inbound-{name}.txt" if args.profile else None


class Tools:
    """The child processes the measurements drive, started once."""

    def __init__(self, seed: int) -> None:
        self.driver = Driver()
        self.gateway = Gateway()
        self.writers = Writers()
        self.relay = Relay()
        self.tokens = Tokens(seed)

    def close(self) -> None:
        for tool in (self.driver, self.gateway, self.writers, self.relay):
            tool.close()


def reading(
    args: argparse.Namespace,
    queued: throughput.Measured | None,
    drained: deliveries.Drained | None,
    timed: latency.Measured | None,
    both: mixed.Mixed | None,
) -> str:
    """What the table shows, in words: generated, so that it always describes the latest run."""
    processes = f"{args.workers} server process{'es' if args.workers > 1 else ''}"
    sentences = []
    if queued is not None:
        stops, bare = queued.stops, queued.opt_outs
        sentences.append(
            f"On {processes} running no background work, inbound STOPs, each queuing a webhook and a confirmation, "
            f"were answered at {stops.per_second:,.0f}/s ({throughput.CLIENTS} clients, p99 "
            f"{stops.percentile(99) * 1000:.0f} ms, {stops.server_cpu_per_request * 1000:.2f} ms of server CPU each), "
            f"against {bare.per_second:,.0f}/s for a bare optOut on the same server (p99 "
            f"{bare.percentile(99) * 1000:.0f} ms, {bare.server_cpu_per_request * 1000:.2f} ms)."
        )
    if drained is not None:
        sentences.append(
            f"A fresh server of {processes} whose workers had only the backlog of {drained.stops:,} STOPs to deliver "
            f"delivered {drained.webhooks.per_second:,.0f} webhooks/s and sent {drained.confirmations.per_second:,.0f} "
            f"confirmations/s, both at once, at {drained.server_cpu / max(1, drained.stops) * 1000:.2f} ms of server "
            f"CPU per STOP's pair; {drained.webhooks.problems + drained.confirmations.problems} were lost, queued "
            "twice or unexpected."
        )
        if queued is not None and queued.stops.per_second:
            rate = queued.stops.per_second
            sentences[-1] += (
                f" That is {drained.webhooks.per_second / rate:.2f}x the inbound rate for webhooks and "
                f"{drained.confirmations.per_second / rate:.2f}x for confirmations."
            )
    if timed is not None:
        hooks, sms = timed.webhook_latencies, timed.confirmation_latencies
        sentences.append(
            f"With STOPs arriving at {timed.writes.rate:,.0f}/s for {args.latency_duration:g} s on a server that "
            f"serves and delivers, a webhook reached the receiver {percentile(hooks, 50) * 1000:.0f} ms after its STOP "
            f"was answered at the median, {percentile(hooks, 99) * 1000:.0f} ms at p99 and {max(hooks) * 1000:.0f} ms "
            f"at most; a confirmation {percentile(sms, 50) * 1000:.0f}, {percentile(sms, 99) * 1000:.0f} and "
            f"{max(sms) * 1000:.0f} ms."
        )
    if both is not None:
        sentences.append(
            f"Serving and delivering at once under the closed loop, the same server answered "
            f"{both.run.per_second:,.0f} STOPs/s while {both.during[WEBHOOK] / both.seconds:,.0f} webhooks/s and "
            f"{both.during[SMS] / both.seconds:,.0f} confirmations/s reached the receiver; the rest arrived "
            f"{both.drain:.1f} s after the last STOP."
        )
    return textwrap.fill(" ".join(sentences), 100)


async def _queue(
    args: argparse.Namespace,
    env: dict[str, str | None],
    database_url: str,
    pepper: str,
    receiver: Receiver,
    tools: Tools,
) -> tuple[throughput.Measured | None, Run | None, list[str], Accounts]:
    """(1) on servers running no background work; or, without it, just a backlog for (2) and (4)."""
    parts = set(args.only or PARTS)
    queue_env = {**env, "STOPLIST_SERVE_RUNS_WORKERS": "false"}
    with running_server(queue_env, workers=args.workers, log=LOGS / "inbound-queue.log") as server:
        say(f"Server pid {server.pid} on {server.url} ({args.workers} process(es), no background work)")
        accounts = await create_accounts(database_url, pepper, server.host, server.port, receiver.url(WEBHOOK))
        if "throughput" in parts:
            say(
                f"Throughput: inbound STOP and bare optOut, {throughput.CLIENTS} clients, {args.repeats} x "
                f"{args.duration:g} s each after {args.warmup:g} s warm-up, alternated ..."
            )
            measured = await throughput.alternated(
                server,
                await throughput.postgres_pid(database_url),
                accounts,
                tools.driver,
                tools.tokens,
                duration=args.duration,
                warmup=args.warmup,
                repeats=args.repeats,
                profile=_profile(args, "stops"),
            )
            return measured, measured.stops, measured.written, accounts
        if parts & {"deliveries", "mixed"}:
            say(f"Queuing a backlog: inbound STOPs, {throughput.CLIENTS} clients, {args.duration:g} s ...")
            backlog = await throughput.run_stops(
                server, accounts, tools.driver, tools.tokens, args.duration, args.warmup
            )
            return None, backlog.run, backlog.written, accounts
        return None, None, [], accounts


async def run(args: argparse.Namespace, command: str) -> int:
    parts = set(args.only or PARTS)
    figures: list[Figure] = []
    queued = drained = timed = both = None
    tools = Tools(args.seed)
    try:
        async with session("inbound") as run_session, receiving() as receiver:
            database, pepper, machine_info = run_session.database, run_session.pepper, run_session.machine_info
            env = {
                **run_session.env,
                "STOPLIST_WEBHOOK_ALLOW_PRIVATE": "true",  # the receiver is on loopback
                "STOPLIST_SMS_GATEWAY_URL": receiver.url(SMS),
            }
            say(f"Receiver pid {receiver.pid} on 127.0.0.1:{receiver.port}")
            queued, queued_run, backlog, accounts = await _queue(args, env, database.url, pepper, receiver, tools)
            if queued is not None:
                part = throughput.figures(queued)
                _show("Throughput", part)
                figures += part

            connection = await asyncpg.connect(database.url)
            try:
                await deliveries.hold(connection)  # the backlog waits for the measurement of (2), or for ever
                workers_env = {**env, "STOPLIST_SERVE_RUNS_WORKERS": "true"}
                with running_server(workers_env, workers=args.workers, log=LOGS / "inbound-workers.log") as server:
                    say(f"Server pid {server.pid} on {server.url} ({args.workers} process(es), serving and delivering)")
                    if "deliveries" in parts and queued_run is not None:
                        say(f"Receiver alone: {deliveries.RECEIVER_CLIENTS} connections, {RECEIVER_SECONDS:g} s ...")
                        alone, alone_cpu = await deliveries.receiver_alone(
                            receiver, tools.driver, tools.tokens.take(1000), RECEIVER_SECONDS
                        )
                        say(f"  {alone.per_second:,.0f} requests/s, {alone_cpu * 1e6:.0f} µs of receiver CPU each")
                        say(f"Deliveries: the backlog of {len(backlog):,} STOPs released to the workers ...")
                        drained = await deliveries.drain(server, connection, receiver, backlog, _profile(args, "drain"))
                        part = deliveries.figures(drained, alone, alone_cpu, queued_run.per_second, args.workers)
                        _show("Deliveries", part)
                        figures += part
                    if "latency" in parts:
                        plan = latency.Plan(
                            rate=args.rate,
                            duration=args.latency_duration,
                            warmup=2.0,
                            baseline_duration=min(args.latency_duration, 20.0),
                        )
                        say(
                            f"Latency baseline: INSERT + COMMIT, NOTIFY, relayed to the receiver, at {args.rate:g}/s "
                            f"for {plan.baseline_duration:g} s ..."
                        )
                        floor = await latency.baseline(
                            database.url, tools.writers, tools.relay, receiver, tools.tokens, plan
                        )
                        say(f"Latency: inbound STOPs at {args.rate:g}/s for {args.latency_duration:g} s ...")
                        async with sampled(server.pid, _profile(args, "latency")):
                            timed = await latency.api(server, accounts, tools.gateway, receiver, tools.tokens, plan)
                        part = latency.figures(timed, floor)
                        _show("Latency", part)
                        figures += part
                    if "mixed" in parts and queued_run is not None:
                        say(
                            f"Serving and delivering: inbound STOPs, {throughput.CLIENTS} clients, "
                            f"{args.mixed_duration:g} s after {args.warmup:g} s warm-up ..."
                        )
                        both = await mixed.measure(
                            server, accounts, tools.driver, receiver, tools.tokens, args.mixed_duration, args.warmup
                        )
                        part = mixed.figures(both, queued_run, args.workers)
                        _show("Serving and delivering", part)
                        figures += part
            finally:
                await connection.close()
    finally:
        tools.close()

    _show("Inbound, webhooks and confirmations", figures)
    say(verdicts(figures))
    text = reading(args, queued, drained, timed, both)
    say("\n" + text)
    report_log_findings("inbound")

    defaults = _parser().parse_args([])
    _defaults(defaults)
    full = (
        not args.quick
        and not args.only
        and not args.profile  # sampling takes CPU from what it measures
        and all(getattr(args, n) == getattr(defaults, n) for n in SIZES)
    )
    if args.docs or (full and not args.no_docs):
        processes = f"`stoplist serve --workers {args.workers}`"
        setup = {
            "receiver": "one HTTP/1.1 server on loopback in its own process (asyncio Protocol, uvloop): the webhook "
            "endpoint and the SMS gateway (`STOPLIST_SMS_GATEWAY_URL`)",
            "throughput": f"{processes} with `STOPLIST_SERVE_RUNS_WORKERS=false`; {throughput.CLIENTS} clients, closed "
            f"loop; {args.repeats} runs of {args.duration:g} s per kind after {args.warmup:g} s warm-up each, "
            "alternated, pooled",
            "deliveries": f"a fresh {processes} running the workers, the throughput runs' backlog released at once",
            "latency": f"the same server; STOPs at {args.rate:g}/s in open loop for {args.latency_duration:g} s "
            f"(baseline {min(args.latency_duration, 20.0):g} s)",
            "serving and delivering": f"the same server; {throughput.CLIENTS} clients, closed loop, "
            f"{args.mixed_duration:g} s after {args.warmup:g} s warm-up",
        }
        RESULTS.record(command, machine_info, setup, figures, text)
        say(f"Results written to {DOCS.relative_to(ROOT)}")
    return 0


def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    _defaults(args)
    if args.workers < 1 or args.repeats < 1 or args.rate <= 0:
        sys.exit("--workers, --repeats and --rate must be positive")
    if args.profile:
        py_spy()  # fail now, not after the setup
    command = "./dev bench inbound" + "".join(f" {shlex.quote(a)}" for a in argv)
    sys.exit(asyncio.run(run(args, command)))
