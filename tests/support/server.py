"""`stoplist serve` in a child process on a free loopback port: the tests talk to it as users do."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(env: dict[str, str | None], *, workers: int = 1, timeout: float = 60.0) -> Iterator[str]:
    """`env` adds to this process's environment; a None value removes the variable. The server's
    log goes to a file (a pipe nobody reads would fill and stall the server), shown on failure."""
    port = free_port()
    child_env = {**os.environ, **{k: v for k, v in env.items() if v is not None}}
    for name in [k for k, v in env.items() if v is None]:
        child_env.pop(name, None)
    with tempfile.NamedTemporaryFile("w+", prefix="stoplist-serve-", suffix=".log") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(workers)],
            env=child_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(process, base_url, timeout, log.name)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_healthy(process: subprocess.Popen[str], base_url: str, timeout: float, log_path: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"stoplist serve exited early:\n{open(log_path).read()[-5000:]}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"stoplist serve did not become healthy in time:\n{open(log_path).read()[-5000:]}")
        time.sleep(0.1)
