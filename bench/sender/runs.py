"""What each run of the benchmark is measured by: the CPU the server and PostgreSQL spent on it,
how much of the machine other work took meanwhile, and how many of the fresh values it used."""

import os
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from bench import cpu
from bench.feed.sockets import _family
from bench.load import Run
from tests.support.server import Server

T = TypeVar("T")


def used(run: Run, fresh: Sequence[T], bound: str) -> Sequence[T]:
    """What a closed loop took of `fresh`, warm-up included; it must have left some (else raise `bound`)."""
    count = run.warmup_count + run.count
    if count >= len(fresh):
        raise RuntimeError(f"the run used up what was drawn for it: raise {bound}")
    return fresh[:count]


@dataclass(frozen=True)
class Loaded:
    run: Run  # its server_cpu set
    database_cpu: float  # CPU seconds of PostgreSQL's processes over the run
    others: float  # the share of the machine's CPUs that other work took meanwhile (other benchmarks, tests)


def _ours(server: Server, database_pid: int) -> tuple[float, float, float]:
    """CPU seconds of the server, of PostgreSQL, and of all this benchmark runs (this process's
    tree, the server's included, and PostgreSQL's unless it is in it)."""
    server_cpu, database_cpu, tree = (cpu.tree_seconds(pid) for pid in (server.pid, database_pid, os.getpid()))
    return server_cpu, database_cpu, tree + (0.0 if database_pid in _family(os.getpid()) else database_cpu)


async def on_server(server: Server, database_pid: int, job: Awaitable[Run]) -> Loaded:
    """`job`'s run with the server's CPU over it, PostgreSQL's, and the share of the machine's
    busy time that was none of ours."""
    (busy, total), before = cpu._cpu_jiffies(), _ours(server, database_pid)
    run = await job
    (busy_after, total_after), after = cpu._cpu_jiffies(), _ours(server, database_pid)
    server_cpu, database_cpu, ours = (end - start for start, end in zip(before, after, strict=True))
    run.server_cpu = server_cpu
    others = (busy_after - busy) / cpu._TICKS - ours
    return Loaded(run, database_cpu, max(0.0, others) / max(1e-9, (total_after - total) / cpu._TICKS))
