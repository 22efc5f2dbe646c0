"""`stoplist serve` in a child process on a free loopback port, as users run it; the tests and
the benchmark both talk to it over real HTTP."""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running_server(
    env: dict[str, str | None], *, workers: int = 1, log: Path | None = None, timeout: float = 60.0
) -> Iterator[Server]:
    """`env` adds to this process's environment; a None value removes the variable. The log goes
    to a file (a pipe nobody reads fills up under load and stalls the server), shown on failure."""
    # Background work runs only where a test asks for it: every server of a test run shares one
    # database, and a worker elsewhere would claim the rows a test means its own server to send.
    env = {"STOPLIST_SERVE_RUNS_WORKERS": "false", **env}
    child_env = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
    for name in [k for k, v in env.items() if v is None]:
        child_env.pop(name, None)
    port = free_port()
    with ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="stoplist-serve-"))) / "server.log"
        with open(log, "w") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
                env=child_env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + timeout
            while not healthy(f"http://127.0.0.1:{port}/healthz"):
                if process.poll() is not None:
                    raise RuntimeError(f"stoplist serve exited early:\n{log.read_text()[-5000:]}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"stoplist serve was not healthy in {timeout:.0f} s:\n{log.read_text()[-5000:]}")
                time.sleep(0.1)
            yield Server("127.0.0.1", port, process.pid, log)
        finally:
            stop(process)


def stop(process: "subprocess.Popen[bytes] | subprocess.Popen[str]") -> None:
    """Terminates a child, and kills it if it has not exited within 15 s."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
