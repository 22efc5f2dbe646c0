"""`./dev bench`: load a realistic tenant, run the real server, and measure each hot path of the
API against the same answer computed by hand-written SQL. `./dev bench feed` measures the live
opt-out feed instead (bench/feed), `./dev bench memory` the garbage collector's setting
(bench/memory), `./dev bench inbound` inbound STOPs with their webhooks and confirmations
(bench/inbound), `./dev bench sender` the sender tools (bench/sender), `./dev bench bulk` the bulk
imports, exports and scrub (bench/bulk), `./dev bench overhead` what metrics and request logs cost
(bench/overhead). See docs/BENCHMARKS.md."""

import argparse
import asyncio
import math
import random
import secrets
import shlex
import sys
import time
from pathlib import Path

import asyncpg

from bench import cpu
from bench import dataset as data
from bench.figures import Figure, targets_met, text_table
from bench.load import Driver
from bench.profile import py_spy
from bench.report import machine, results_section, write_results
from bench.scenarios import SCENARIOS, Bench
from tests.support.database import throwaway_database
from tests.support.server import running_server

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "BENCHMARKS.md"
FULL_SIZE = 1_000_000
GROUPS = 20
# Fresh tokens for the write scenario, half for the API and half for the baseline: enough for
# this many writes a second over the warm-up and the measurement.
MAX_WRITES_PER_SECOND = 15_000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--contacts", type=int, default=FULL_SIZE, help="contacts to load (default 1,000,000)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
    parser.add_argument("--quick", action="store_true", help="short runs: 3 s per throughput run, 50 samples")
    parser.add_argument("--duration", type=float, help="seconds per throughput run (default 12, quick 3)")
    parser.add_argument("--warmup", type=float, help="warm-up seconds before each throughput run (default 2, quick 1)")
    parser.add_argument("--samples", type=int, help="sequential requests per latency run (default 300, quick 50)")
    parser.add_argument("--seed", type=int, default=1, help="dataset and token seed (default 1)")
    parser.add_argument(
        "--only", action="append", choices=sorted(SCENARIOS), help="run only this scenario (repeatable)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="sample the server with py-spy during each API run, into DIR/<scenario>.txt",
    )
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs", action="store_true", help="write docs/BENCHMARKS.md even for a partial or quick run")
    docs.add_argument("--no-docs", action="store_true", help="do not write docs/BENCHMARKS.md")
    return parser


def say(message: str) -> None:
    print(message, flush=True)


async def run(args: argparse.Namespace, command: str) -> int:
    from app.db.migrate import upgrade_async

    duration = args.duration or (3.0 if args.quick else 12.0)
    warmup = args.warmup if args.warmup is not None else (1.0 if args.quick else 2.0)
    samples = args.samples or (50 if args.quick else 300)
    spare = 2 * MAX_WRITES_PER_SECOND * math.ceil(duration + warmup)
    pepper = secrets.token_urlsafe(16)
    # Sampled before we start anything: it tells whether something else is using the machine.
    busy_before = cpu.busy_share()
    if busy_before > 0.1:
        say(
            f"warning: the CPUs are {busy_before:.0%} busy before the run: other work shares them, so rates will "
            "read low (the server CPU per request is less affected)"
        )
    logs = ROOT / "bench" / ".data"
    logs.mkdir(parents=True, exist_ok=True)

    async with throwaway_database("STOPLIST_BENCH_DATABASE_URL", "stoplist-bench") as database:
        await upgrade_async(database.url)
        env = {"DATABASE_URL": database.url, "STOPLIST_API_KEY_PEPPER": pepper}
        # Access logs off (log level WARNING), as a busy deployment runs.
        with running_server(
            {**env, "STOPLIST_LOG_LEVEL": "WARNING"}, workers=args.workers, log=logs / "server.log"
        ) as server:
            say(
                f"Server pid {server.pid} on http://{server.host}:{server.port} ({args.workers} worker(s)), "
                f"{database.kind} PostgreSQL; log in {server.log.relative_to(ROOT)}"
            )
            tenant = await data.create_tenant(database.url, pepper, server.host, server.port, GROUPS)

            started = time.perf_counter()
            dataset = data.generate(args.contacts, spare, GROUPS, args.seed)
            generated = time.perf_counter() - started
            connection = await asyncpg.connect(database.url)
            try:
                say(f"Loading {args.contacts:,} contacts ...")
                await data.load(connection, tenant, dataset, args.seed)
                loaded = time.perf_counter() - started
                for step, seconds in {"generate (Python)": generated, **dataset.timings}.items():
                    say(f"  {step:<22} {seconds:7.1f} s")
                say(f"  {'total':<22} {loaded:7.1f} s")

                machine_info = await machine(connection, database.kind)
                machine_info["CPU busy before the run"] = f"{busy_before:.0%} (other work on the machine)"
                say("\n" + "\n".join(f"{name}: {value}" for name, value in machine_info.items()) + "\n")

                bench = Bench(
                    server=server,
                    dsn=database.url,
                    tenant=tenant,
                    dataset=dataset,
                    driver=Driver(),
                    connection=connection,
                    duration=duration,
                    warmup=warmup,
                    samples=samples,
                    rng=random.Random(args.seed + 2),
                    profile_dir=args.profile,
                )
                figures: list[Figure] = []
                try:
                    for name, scenario in SCENARIOS.items():
                        if args.only and name not in args.only:
                            continue
                        say(f"Scenario {name} ...")
                        measured = await scenario(bench)
                        say(text_table(measured) + "\n")
                        figures += measured
                finally:
                    bench.driver.close()
            finally:
                await connection.close()

    say(text_table(figures))
    say("\n" + targets_met(figures))

    full = args.contacts == FULL_SIZE and not args.quick and not args.only
    if args.docs or (full and not args.no_docs):
        setup = {
            "dataset": f"{args.contacts:,} contacts in 1 account, {GROUPS} groups (~5% of contacts in two), "
            f"~50% with an e-mail, {data.OPTED_OUT_SHARE:.0%} of the numbers opted out on SMS",
            "load (COPY + VACUUM ANALYZE)": f"{loaded:.0f} s",
            "server": f"`stoplist serve --workers {args.workers}`, log level WARNING",
            "runs": f"{duration:g} s per throughput run after {warmup:g} s warm-up; {samples} sequential requests "
            "per latency run",
        }
        write_results(DOCS, results_section(command=command, machine_info=machine_info, setup=setup, figures=figures))
        say(f"Results written to {DOCS.relative_to(ROOT)}")
    return 0


def main() -> None:
    if sys.argv[1:2] == ["feed"]:  # `./dev bench feed ...`: the live feed's benchmark, bench/feed
        from bench.feed.cli import main as feed

        feed(sys.argv[2:])
        return
    if sys.argv[1:2] == ["memory"]:  # `./dev bench memory ...`: the garbage collector's setting, bench/memory
        from bench.memory.cli import main as memory

        memory(sys.argv[2:])
        return
    if sys.argv[1:2] == ["inbound"]:  # `./dev bench inbound ...`: inbound STOPs, webhooks, confirmations
        from bench.inbound.cli import main as inbound

        inbound(sys.argv[2:])
        return
    if sys.argv[1:2] == ["sender"]:  # `./dev bench sender ...`: prepareMessages and the one-click POST
        from bench.sender.cli import main as sender

        sender(sys.argv[2:])
        return
    if sys.argv[1:2] == ["bulk"]:  # `./dev bench bulk ...`: uploads, imports, exports and the scrub at 1M rows
        from bench.bulk.cli import main as bulk

        bulk(sys.argv[2:])
        return
    if sys.argv[1:2] == ["overhead"]:  # `./dev bench overhead ...`: what metrics and request logs cost
        from bench.overhead.cli import main as overhead

        overhead(sys.argv[2:])
        return
    args = _parser().parse_args()
    if args.contacts < 1_000:
        sys.exit("--contacts must be at least 1,000: a check batch is 1,000 tokens")
    if args.profile:
        py_spy()  # fail now, not after the load
    command = "./dev bench" + "".join(f" {shlex.quote(a)}" for a in sys.argv[1:])
    sys.exit(asyncio.run(run(args, command)))


if __name__ == "__main__":
    main()
