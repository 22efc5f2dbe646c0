"""The closed loops of this benchmark, run in bench/load.py's child processes: HTTP on keep-alive
connections spread evenly over the server's processes, and any other client (the baseline's
asyncpg connections).

With `--workers N` the server's processes share one listening socket, and the first to wake
accepts every connection waiting (asyncio accepts up to 100 at once). On this two-core machine, 4
connections opened one after another all went to one of 2 processes in 8 trials of 20, and so did
16 in 8 of 20: such a run measures one process, and a different share of them each run. A load
balancer in front of the server spreads them; `spread` does it here, opening connections until
each process holds its share and closing those it does not need."""

import asyncio
import math
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bench.feed.sockets import workers_serving
from bench.http import Connection, HttpError, RequestTemplate
from bench.load import Plan, Run, _drive, _event_loop_run
from tests.support.server import Server

C = TypeVar("C")
HEALTH = b"GET /healthz HTTP/1.1\r\nHost: bench\r\n\r\n"
MOST_TRIES = 50  # connections opened per one kept, at most


def closed_loop(
    open_clients: Callable[[int], Awaitable[list[C]]],
    operation: Callable[[C, int], Awaitable[None]],
    total: int,
    plan: Plan,
    finished: Callable[[list[C]], None] = lambda clients: None,
) -> Run:
    """`plan` on the clients `open_clients` makes, `finished` told of them before they are closed."""

    async def main() -> Run:
        clients = await open_clients(plan.concurrency)
        try:
            run = await _drive(clients, operation, total, plan)
            finished(clients)
            return run
        finally:
            await asyncio.gather(*(client.close() for client in clients))

    return _event_loop_run(main())


async def spread(host: str, port: int, server_pid: int, processes: int, count: int) -> list[Connection]:
    """`count` connections, at most ceil(count / processes) held by any one server process."""
    most = math.ceil(count / processes)
    kept: list[Connection] = []
    held: Counter[int] = Counter()
    for _ in range(MOST_TRIES * count):
        if len(kept) == count:
            return kept
        connection = await Connection.open(host, port)
        await connection.send(HEALTH)  # answered: accepted by the process that holds it
        holder = next(iter(workers_serving(server_pid, port, [connection.local_port])), None)
        if holder is not None and held[holder] < most:
            held[holder] += 1
            kept.append(connection)
        else:
            await connection.close()
    await asyncio.gather(*(connection.close() for connection in kept))
    raise RuntimeError(f"could not spread {count} connections over {processes} server processes")


def http_job(
    server: Server,
    processes: int,
    template: RequestTemplate,
    values: Sequence[str],
    counts: Sequence[tuple[bytes, int]],
    plan: Plan,
) -> Run:
    """Sends request i = `template` filled with values[i] on connections `spread` over the
    server's processes; an answer counts if it is a 200 holding each text of `counts` at least as
    often as it says (a byte count: parsing every JSON answer would cost more than the check is worth)."""

    async def operation(connection: Connection, index: int) -> None:
        status, body = await connection.send(template.fill(values[index]))
        if status != 200 or any(body.count(text) < count for text, count in counts):
            raise HttpError(f"unexpected answer ({status}): {body[:300]!r}")

    def open_clients(count: int) -> Awaitable[list[Connection]]:
        return spread(server.host, server.port, server.pid, processes, count)

    return closed_loop(open_clients, operation, len(values), plan)
