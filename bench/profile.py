"""Optional sampling of the server with py-spy while the API is under load (`--profile DIR`).

py-spy is not a project dependency: install it anywhere (e.g. `python -m venv /tmp/spy &&
/tmp/spy/bin/pip install py-spy`) and put it on PATH or in $PY_SPY. The output is collapsed
stacks, one line per stack with its sample count: grep it, or open it in speedscope."""

import asyncio
import contextlib
import os
import shutil
import signal
from collections.abc import AsyncIterator
from pathlib import Path


def py_spy() -> str:
    found = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if not found:
        raise SystemExit("--profile needs py-spy: put it on PATH or name it in $PY_SPY")
    return found


@contextlib.asynccontextmanager
async def sampled(pid: int, output: Path | None) -> AsyncIterator[None]:
    if output is None:
        yield
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        py_spy(),
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--nonblocking",
        "--rate",
        "200",
        "--format",
        "raw",
        "--output",
        str(output),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await asyncio.sleep(0.5)  # attaching takes a moment; the warm-up pass covers it anyway
        yield
    finally:
        process.send_signal(signal.SIGINT)  # py-spy writes its output when interrupted
        await process.wait()
