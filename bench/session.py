"""What every benchmark run that starts its own servers does around its measurements: check the
machine is quiet, make a throwaway database and describe the machine, give the servers their
environment, and report what the servers logged."""

import argparse
import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from bench import cpu
from bench.feed import say
from bench.report import machine
from tests.support.database import Database, throwaway_database

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "bench" / ".data"


@dataclass(frozen=True)
class Session:
    database: Database
    pepper: str
    machine_info: dict[str, str]
    env: dict[str, str | None]  # for every server of the run


@contextlib.asynccontextmanager
async def session(log_prefix: str) -> AsyncIterator[Session]:
    from app.db.migrate import upgrade_async

    busy_before = cpu.busy_share()  # before we start anything: is other work using the machine?
    if busy_before > 0.1:
        say(f"warning: the CPUs are {busy_before:.0%} busy before the run: other work shares them")
    LOGS.mkdir(parents=True, exist_ok=True)
    for stale in LOGS.glob(f"{log_prefix}-*.log"):
        stale.unlink()
    pepper = secrets.token_urlsafe(16)
    async with throwaway_database("STOPLIST_BENCH_DATABASE_URL", "stoplist-bench") as database:
        await upgrade_async(database.url)
        connection = await asyncpg.connect(database.url)
        try:
            machine_info = await machine(connection, database.kind)
        finally:
            await connection.close()
        machine_info["CPU busy before the run"] = f"{busy_before:.0%} (other work on the machine)"
        say("\n".join(f"{name}: {value}" for name, value in machine_info.items()) + "\n")
        env: dict[str, str | None] = {
            "DATABASE_URL": database.url,
            "STOPLIST_API_KEY_PEPPER": pepper,
            "STOPLIST_LOG_LEVEL": "WARNING",  # access logs off, as a busy deployment runs
        }
        yield Session(database, pepper, machine_info, env)


def log_findings(log: Path) -> list[str]:
    """Warnings, errors and tracebacks a server wrote: none is expected."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    return [line for line in lines if any(word in line for word in ("WARNING", "ERROR", "CRITICAL", "Traceback"))]


def report_log_findings(log_prefix: str) -> None:
    for log in sorted(LOGS.glob(f"{log_prefix}-*.log")):
        findings = log_findings(log)
        if findings:
            say(f"{log.relative_to(ROOT)}: {len(findings)} warning/error lines, e.g. {findings[0][:200]}")


def add_docs_options(parser: argparse.ArgumentParser) -> None:
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs", action="store_true", help="write docs/BENCHMARKS.md even for a partial or quick run")
    docs.add_argument("--no-docs", action="store_true", help="do not write docs/BENCHMARKS.md")
