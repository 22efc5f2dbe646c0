"""CPU time of the server's process tree, from /proc (Linux only; elsewhere it reads as 0).

Throughput on a shared two-core machine moves with whatever else runs, but the server's CPU
time per request hardly does: it is the steadier figure to compare two versions of the app by."""

import os
import time
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _own_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (task / "children").read_text().split()]
    except OSError:
        pass
    return found


def tree_seconds(pid: int) -> float:
    """User + system CPU seconds of `pid` and its live descendants (uvicorn's workers)."""
    return _own_seconds(pid) + sum(tree_seconds(child) for child in _children(pid))


def _cpu_jiffies() -> tuple[int, int]:
    """(busy, total) over all CPUs since boot."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def busy_share(seconds: float = 1.0) -> float:
    """How busy the machine's CPUs are now (0..1), sampled over `seconds`."""
    busy, total = _cpu_jiffies()
    time.sleep(seconds)
    busy_after, total_after = _cpu_jiffies()
    return (busy_after - busy) / (total_after - total) if total_after > total else 0.0
