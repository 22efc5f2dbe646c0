"""`./dev bench bulk`: issue 10's bulk routes at a million rows, each against its floor measured in
the same run: the opt-out upload and the contact import against phonenumbers plus a raw COPY of the
same rows, the audience export against COPY TO STDOUT (with the server's peak RSS), and the scrub
against its target (and, for scale, the csv module with a set lookup). One throwaway database; a
fresh `stoplist serve` for each of the upload, the import, and the export with the scrub. Prints
the figures with their targets and (after a full run) writes them into docs/BENCHMARKS.md, "Bulk
data"."""

import argparse
import asyncio
import shlex
import sys
import textwrap
import time

import asyncpg

from bench import dataset as data
from bench.bulk import baseline, export, imports, scrub
from bench.bulk.files import INVALID_EVERY, STYLES
from bench.bulk.runs import Side, Sides
from bench.feed import say
from bench.figures import Figure, text_table, verdicts
from bench.inbound.throughput import postgres_pid
from bench.load import ChildProcess
from bench.report import ResultsSection
from bench.session import LOGS, ROOT, add_docs_options, report_log_findings, session
from tests.support.server import running_server

DOCS = ROOT / "docs" / "BENCHMARKS.md"
MARKERS = ("<!-- bench:bulk:start -->", "<!-- bench:bulk:end -->")
PARTS = ("upload", "contacts", "export", "scrub")
BASELINE = "baseline"  # the table's column: each figure's name says which baseline it is
RESULTS = ResultsSection(DOCS, MARKERS, "Bulk data: latest results", BASELINE)
SIZES = ("rows", "repeats")
FULL_ROWS, QUICK_ROWS = 1_000_000, 50_000
AUDIENCE_GROUPS = 2  # the export names both: ~5% of the members are in the two, and come out once
FOLDER = LOGS / "bulk"  # the row files, each deleted once its runs are done


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench bulk", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, one run a side")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only this measurement (repeatable)")
    parser.add_argument(
        "--rows", type=int, help=f"rows of each file and contacts of the audience (default {FULL_ROWS:,})"
    )
    parser.add_argument("--repeats", type=int, help="runs of each side, alternated (default 2, quick 1)")
    parser.add_argument("--seed", type=int, default=1, help="seeds the numbers and the audience")
    add_docs_options(parser)
    return parser


def _defaults(args: argparse.Namespace) -> None:
    args.rows = args.rows or (QUICK_ROWS if args.quick else FULL_ROWS)
    args.repeats = args.repeats or (1 if args.quick else 2)


def _show(title: str, figures: list[Figure]) -> None:
    say(f"\n{title}\n" + text_table(figures, BASELINE) + "\n")


def _met(figure: Figure) -> str:
    return "met" if figure.verdict == "PASS" else "missed"


def _runs(side: Side) -> str:
    runs = len(side.seconds)
    if runs == 1:
        return "one run"
    return f"the median of {runs} runs, single runs {min(side.seconds):.1f} to {max(side.seconds):.1f} s"


def reading(
    args: argparse.Namespace,
    imported: list[imports.Measured],
    exported: export.Measured | None,
    scrubbed: scrub.Measured | None,
    skipped: list[str],
) -> str:
    """What the table shows, in words: generated, so that it always describes the latest run."""
    sentences = []
    for measured in imported:
        api, floor = measured.api, measured.baseline
        [rate, *_] = imports.figures(measured)
        took = (
            f"was given up after {api.median:.0f} s in its first run ({imports.LIMIT_RULE}), so at most "
            f"{api.rate:,.0f} rows/s"
            if api.cut_off
            else f"took {api.median:.1f} s through the API ({_runs(api)}), {api.rate:,.0f} rows/s"
        )
        sentences.append(
            f"The {measured.kind.label} of {api.rows:,} rows {took}; its baseline {floor.median:.1f} s, of which "
            f"{floor.step('phonenumbers'):.1f} s to read and normalise the rows and {floor.step('COPY'):.1f} s to COPY "
            f"them: {'at least ' if api.cut_off else ''}{rate.ratio:.2f} times as long (target "
            f"{imports.MAX_RATIO:g}x: {_met(rate)}). The server spent "
            f"{api.per_thousand(api.cpu):.0f} ms of CPU per 1,000 rows and PostgreSQL "
            f"{api.per_thousand(api.database_cpu):.0f} ms, against {floor.per_thousand(floor.cpu):.0f} and "
            f"{floor.per_thousand(floor.database_cpu):.0f} ms for the baseline."
        )
    if exported is not None:
        api, copy = exported.api, exported.baseline
        [rate, _, rss, *_] = export.figures(exported)
        sentences.append(
            f"The export of the {exported.members:,}-member audience ({api.rows:,} rows out) took {api.median:.1f} s "
            f"({_runs(api)}), its first byte {api.first_byte * 1000:.0f} ms; COPY TO STDOUT took {copy.median:.1f} s, "
            f"its first row {copy.first_byte * 1000:.0f} ms: {rate.ratio:.2f} times as long (target "
            f"{export.MAX_RATIO:g}x: {_met(rate)}). The server's RSS went from {exported.rss_before:.0f} MB before the "
            f"first export to a peak of {exported.rss_peak:.0f} MB (target under {export.MAX_RSS_MB} MB: {_met(rss)})."
        )
    if scrubbed is not None:
        api, plain = scrubbed.api, scrubbed.baseline
        [rate, *_] = scrub.figures(scrubbed)
        sentences.append(
            f"The scrub of {api.rows:,} rows took {api.median:.1f} s ({_runs(api)}), {api.rate:,.0f} rows/s (target "
            f"{scrub.MIN_ROWS_PER_SECOND:,}: {_met(rate)}); reading the same file with the csv module, looking each "
            f"number up in a set and writing the rows kept took {plain.median:.1f} s in one process, "
            f"{plain.rate:,.0f} rows/s."
        )
    sentences += [f"Not measured: {reason}." for reason in skipped]
    sides = [m.api for m in imported] + [m.api for m in (exported, scrubbed) if m is not None]
    others = max((share for side in sides for share in side.others), default=0.0)
    sentences.append(f"Other work on the machine took at most {others:.0%} of its CPUs during a run on the server.")
    return textwrap.fill(" ".join(sentences), 100)


def _setup(args: argparse.Namespace) -> dict[str, str]:
    return {
        "files": f"{args.rows:,} rows each, from seed {args.seed}, a new file each run: Dutch mobile numbers written "
        f"{STYLES} ways in rotation (`+316...`, `06...`, `06 .... ....`, `+31 6 ...`); every {INVALID_EVERY:,}th row "
        "holds no number",
        "server": "`stoplist serve --workers 1`, log level WARNING, no background work, the default limits; "
        "a fresh one for the upload, one for the import, one for the export and then the scrub",
        "client": "one request at a time from a child process (httpx), the file streamed in 64 KiB chunks; each "
        "upload and import to a fresh account of an organization of its own",
        "baselines": "in the same child process; imports: csv + `phonenumbers` (parse, is_possible_number, format "
        "E.164), then `copy_records_to_table` into tables `LIKE` the app's (indexes included); export: `COPY "
        "(audience page statement of bench/sql.py, one page of the whole audience) TO STDOUT` in CSV; scrub: csv "
        "read, set lookup, csv write to /dev/null",
        "audience": f"{args.rows:,} contacts loaded by COPY (bench/dataset.py) in {AUDIENCE_GROUPS} groups (~5% in "
        f"both), {data.OPTED_OUT_SHARE:.0%} of the numbers opted out on SMS; the export names both groups, the scrub "
        "file holds every number",
        "runs": f"{args.repeats} per side, alternated (API first), after a warm-up of each ({imports.WARMUP_ROWS:,} "
        "rows; the export: a whole one, read in full and compared); medians; after each run that writes, VACUUM "
        "(ANALYZE) and CHECKPOINT; an import's run is given up at " + imports.LIMIT_RULE + " (then no other runs "
        "of it follow)",
    }


async def run(args: argparse.Namespace, command: str) -> int:
    parts = set(args.only or PARTS)
    figures: list[Figure] = []
    imported: list[imports.Measured] = []
    exported = scrubbed = None
    skipped: list[str] = []
    child = ChildProcess()  # the HTTP requests and the baselines, in turn

    def outcome(result: object, title: str, part: list[Figure]) -> None:
        if isinstance(result, str):
            say(f"  {result}")
            skipped.append(result)
            return
        _show(title, part)
        figures.extend(part)

    try:
        async with session("bulk") as run_session:
            database, env = run_session.database, run_session.env
            connection = await asyncpg.connect(database.url)
            try:
                await baseline.create_tables(connection)
                database_pid = await postgres_pid(database.url)
                for kind in imports.KINDS.values():
                    if kind.name not in parts:
                        continue
                    with running_server(env, log=LOGS / f"bulk-{kind.name}.log") as server:
                        say(f"{kind.label}: {args.rows:,} rows, {args.repeats} run(s) a side, server pid {server.pid}")
                        sides = Sides(child, server, database_pid, args.rows)
                        result = await imports.measure(
                            kind,
                            sides,
                            connection,
                            database.url,
                            run_session.pepper,
                            FOLDER,
                            seed=args.seed,
                            repeats=args.repeats,
                        )
                    if isinstance(result, imports.Measured):
                        imported.append(result)
                    outcome(result, kind.label, [] if isinstance(result, str) else imports.figures(result))
                if parts & {"export", "scrub"}:
                    with running_server(env, log=LOGS / "bulk-export.log") as server:
                        tenant = await data.create_tenant(
                            database.url, run_session.pepper, server.host, server.port, AUDIENCE_GROUPS
                        )
                        say(f"Loading the audience: {args.rows:,} contacts ...")
                        started = time.perf_counter()
                        dataset = data.generate(args.rows, 0, AUDIENCE_GROUPS, args.seed)
                        await data.load(connection, tenant, dataset, args.seed)
                        say(f"  loaded in {time.perf_counter() - started:.0f} s; server pid {server.pid}")
                        if "export" in parts:
                            say(f"audience export, {args.repeats} run(s) a side ...")
                            members = len(dataset.msisdns) - len(dataset.opted_out)
                            sides = Sides(child, server, database_pid, members)
                            result = await export.measure(sides, database.url, tenant, dataset, repeats=args.repeats)
                            exported = result if isinstance(result, export.Measured) else None
                            outcome(result, "audience export", [] if exported is None else export.figures(exported))
                        if "scrub" in parts:
                            say(f"scrub, {args.repeats} run(s) a side ...")
                            sides = Sides(child, server, database_pid, args.rows)
                            result = await scrub.measure(sides, tenant, dataset, FOLDER, repeats=args.repeats)
                            scrubbed = result if isinstance(result, scrub.Measured) else None
                            outcome(result, "scrub", [] if scrubbed is None else scrub.figures(scrubbed))
            finally:
                await connection.close()
            machine_info = run_session.machine_info
    finally:
        child.close()

    _show("Bulk data", figures)
    say(verdicts(figures))
    text = reading(args, imported, exported, scrubbed, skipped)
    say("\n" + text)
    report_log_findings("bulk")

    defaults = _parser().parse_args([])
    _defaults(defaults)
    full = not args.quick and not args.only and all(getattr(args, n) == getattr(defaults, n) for n in SIZES)
    if args.docs or (full and not args.no_docs):
        RESULTS.record(command, machine_info, _setup(args), figures, text)
        say(f"Results written to {DOCS.relative_to(ROOT)}")
    return 0


def main(argv: list[str]) -> None:
    args = _parser().parse_args(argv)
    _defaults(args)
    if args.rows < 1_000 or args.repeats < 1:
        sys.exit("--rows must be at least 1,000 and --repeats positive")
    command = "./dev bench bulk" + "".join(f" {shlex.quote(a)}" for a in argv)
    sys.exit(asyncio.run(run(args, command)))
