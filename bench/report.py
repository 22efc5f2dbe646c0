"""The machine the figures were taken on, and docs/BENCHMARKS.md.

Only the part of the document between the two markers is rewritten, so the prose around it
(how to run, why a target is missed) is kept as the engineers wrote it."""

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench.figures import Figure, markdown_table, targets_met

START = "<!-- bench:results:start -->"
END = "<!-- bench:results:end -->"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    return "unknown"


async def machine(connection: asyncpg.Connection, database_kind: str) -> dict[str, str]:
    settings = {
        name: await connection.fetchval(f"SHOW {name}")
        for name in ("server_version", "shared_buffers", "max_connections", "synchronous_commit")
    }
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPUs (nproc)": str(cpus),
        "CPU model": _cpu_model(),
        "memory": _memory(),
        "PostgreSQL": f"{settings['server_version']} ({database_kind}; shared_buffers {settings['shared_buffers']}, "
        f"max_connections {settings['max_connections']}, synchronous_commit {settings['synchronous_commit']})",
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "OS": f"{platform.system()} {platform.release()}",
    }


def results_section(
    *,
    command: str,
    machine_info: dict[str, str],
    setup: dict[str, str],
    figures: list[Figure],
    markers: tuple[str, str] = (START, END),
    baseline: str = "raw SQL",
) -> str:
    lines = [
        markers[0],
        f"Latest run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, `{command}`.",
        "",
        "| machine | |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in machine_info.items()),
        "",
        "| setup | |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in setup.items()),
        "",
        markdown_table(figures, baseline),
        "",
        targets_met(figures),
        markers[1],
    ]
    return "\n".join(lines)


def write_results(
    path: Path, section: str, markers: tuple[str, str] = (START, END), heading: str = "Latest results"
) -> None:
    start, end = markers
    text = path.read_text() if path.exists() else ""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section + after
    else:
        text = (text.rstrip() + f"\n\n## {heading}\n\n" if text else "# Benchmarks\n\n") + section + "\n"
    path.write_text(text)


@dataclass(frozen=True)
class ResultsSection:
    """Where a benchmark's latest results go: between its markers, under its heading."""

    path: Path
    markers: tuple[str, str]
    heading: str
    baseline: str  # the table's baseline column

    def record(
        self, command: str, machine_info: dict[str, str], setup: dict[str, str], figures: list[Figure], summary: str
    ) -> None:
        """Machine, setup and table, then `summary`, in place of the section's last results."""
        section = results_section(
            command=command,
            machine_info=machine_info,
            setup=setup,
            figures=figures,
            markers=(self.markers[0], ""),
            baseline=self.baseline,
        )
        write_results(self.path, f"{section}\n{summary}\n{self.markers[1]}", self.markers, heading=self.heading)
