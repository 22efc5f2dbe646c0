"""What each side of a measurement is made of: one timed job a run, on the server (with the CPU
the server and PostgreSQL spent on it, and how much of the machine other work took meanwhile)
or in the baseline's process; the runs of a side summed up by their median."""

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from bench import cpu
from bench.bulk.baseline import Done
from bench.bulk.client import CUT_OFF, Answer
from bench.figures import Figure
from bench.load import ChildProcess, Run
from bench.sender.runs import on_server
from tests.support.server import Server

MISSING = (404, 405)  # a route not there yet: that part is skipped, and said so


@dataclass
class Side:
    rows: int = 0  # per run
    seconds: list[float] = field(default_factory=list)  # of each run
    cpu: float = 0.0  # CPU seconds of all runs: the server's, or the baseline's process
    database_cpu: float = 0.0  # PostgreSQL's
    first_bytes: list[float] = field(default_factory=list)
    steps: dict[str, list[float]] = field(default_factory=dict)  # the baseline's steps, seconds of each run
    others: list[float] = field(default_factory=list)  # share of the CPUs other work took, each run on the server
    cut_off: int = 0  # runs given up on (client.CUT_OFF): their seconds are a lower bound

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def first_byte(self) -> float:
        return statistics.median(self.first_bytes)

    @property
    def rate(self) -> float:
        return self.rows / self.median

    def per_thousand(self, seconds: float) -> float:
        """`seconds` over all runs, per 1,000 rows, in ms."""
        return seconds / max(1, self.rows * len(self.seconds)) * 1000 * 1000

    def step(self, name: str) -> float:
        return statistics.median(self.steps[name])


class Sides:
    """Runs one side after the other on one child process, each run recorded in its `Side`."""

    def __init__(self, child: ChildProcess, server: Server, database_pid: int, rows: int) -> None:
        self.child, self.server, self.database_pid = child, server, database_pid
        self.api, self.baseline = Side(rows), Side(rows)

    async def on_server(self, job: Callable[[], Answer], *, record: bool = True) -> Answer:
        answers: list[Answer] = []

        async def timed() -> Run:
            answers.append(await self.child.run(job))
            return Run(elapsed=answers[0].seconds)

        loaded = await on_server(self.server, self.database_pid, timed())
        if record and answers[0].status in (200, CUT_OFF):
            side = self.api
            side.cut_off += answers[0].status == CUT_OFF
            side.seconds.append(answers[0].seconds)
            side.first_bytes.append(answers[0].first_byte)
            side.cpu += loaded.run.server_cpu
            side.database_cpu += loaded.database_cpu
            side.others.append(loaded.others)
        return answers[0]

    async def in_baseline(self, job: Callable[[], Done], *, record: bool = True) -> Done:
        before = cpu.tree_seconds(self.database_pid)
        done = await self.child.run(job)
        if record:
            side = self.baseline
            side.seconds.append(done.seconds)
            side.first_bytes.append(done.first_byte)
            side.cpu += done.cpu
            # Its backend has ended: its CPU is no longer in PostgreSQL's tree, the job read it.
            side.database_cpu += cpu.tree_seconds(self.database_pid) - before + done.database_cpu
            for name, seconds in done.steps.items():
                side.steps.setdefault(name, []).append(seconds)
        return done


async def settle(connection: asyncpg.Connection, tables: tuple[str, ...]) -> None:
    """After a run that wrote: vacuum what it wrote and flush it, so that neither autovacuum nor a
    checkpoint of this run's rows lands in the next run (of the other side)."""
    await connection.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
    try:
        await connection.execute("CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        pass


async def end_statements(connection: asyncpg.Connection) -> None:
    """Ends the statements of every other connection to the database (after a run given up on,
    the server's): PostgreSQL would run them to their end, long after the client has gone."""
    await connection.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' "
        "AND datname = current_database() AND pid <> pg_backend_pid()"
    )


def status_kib(pid: int, name: str) -> int:
    """A field of /proc/<pid>/status in kB: VmRSS, or VmHWM (the peak of VmRSS so far)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
    raise RuntimeError(f"no {name} in /proc/{pid}/status")


def unexpected(answer: Answer, what: str) -> RuntimeError:
    return RuntimeError(f"{what} answered {answer.status}: {answer.body[:500]!r}")


def describe(label: str, seconds: float, rows: int, extra: dict[str, Any] | None = None) -> str:
    parts = [f"{label}: {seconds:.2f} s, {rows / seconds:,.0f} rows/s"]
    parts += [f"{name} {value}" for name, value in (extra or {}).items()]
    return ", ".join(parts)


def cpu_figures(label: str, api: Side, baseline: Side, against: str, vs: str | None) -> list[Figure]:
    """The server's CPU per 1,000 rows against the baseline's process (`against`), and PostgreSQL's
    against the baseline's (`vs` names it; None: the baseline has no database)."""
    database = None if vs is None else baseline.per_thousand(baseline.database_cpu)
    return [
        Figure(
            f"{label}: CPU per 1,000 rows, server (vs {against})",
            "ms",
            api.per_thousand(api.cpu),
            baseline.per_thousand(baseline.cpu),
            False,
        ),
        Figure(
            f"{label}: PostgreSQL CPU per 1,000 rows{'' if vs is None else f' {vs}'}",
            "ms",
            api.per_thousand(api.database_cpu),
            database,
            False,
        ),
    ]


def mismatches(name: str, count: int) -> Figure:
    """Answers unlike what was sent: none may be."""
    return Figure(name, "", count, None, False, maximum=0, count=True)
