"""`stoplist serve` in a child process on a free loopback port, as in production.

Unlike the tests' helper, the output goes to a file: under load a pipe nobody reads fills up
and stalls the server. Access logs are off (log level WARNING), as a busy deployment runs."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int
    log: Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1.0) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running_server(env: dict[str, str], *, workers: int, log: Path, timeout: float = 60.0) -> Iterator[Server]:
    port = free_port()
    with open(log, "w") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
            env={**os.environ, "STOPLIST_LOG_LEVEL": "WARNING", **env},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    try:
        while not _healthy(f"http://127.0.0.1:{port}/healthz"):
            if process.poll() is not None:
                raise RuntimeError(f"stoplist serve exited early:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"stoplist serve did not become healthy in {timeout:.0f} s:\n{log.read_text()}")
            time.sleep(0.1)
        yield Server("127.0.0.1", port, process.pid, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
