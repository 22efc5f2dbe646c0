"""Open-loop writers: each write is sent at its scheduled time whether or not earlier ones have
been answered (a closed loop would slow down with the server and hide its latency), on a pool
of keep-alive connections that grows when all are busy. Runs in a child process, so the writer
neither shares an event loop with the subscribers nor with the benchmark's bookkeeping.

Two kinds of write: the API's optOut over HTTP, and the latency baseline's raw asyncpg
INSERT + COMMIT followed by a NOTIFY carrying the token."""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

import asyncpg
import orjson
import uvloop

from bench import http
from bench.feed.records import Write, Written
from bench.feed.sockets import workers_serving
from bench.load import ChildProcess

C = TypeVar("C")

OPT_OUT = """
mutation OptOut($input: OptOutInput!) {
  optOut(input: $input) { events { cursor token } errors { code message } }
}"""
SCRATCH_TABLE = "bench_feed_scratch"
CREATE_SCRATCH = f"CREATE TABLE IF NOT EXISTS {SCRATCH_TABLE} (id bigserial PRIMARY KEY, token text NOT NULL)"
INSERT_SCRATCH = f"INSERT INTO {SCRATCH_TABLE} (token) VALUES ($1)"
LEAD_TIME = 0.2  # seconds between the job's start and its first scheduled write


@dataclass
class WriteRun:
    written: list[Written]
    connections: int = 0  # opened in all
    by_worker: Counter[int] = field(default_factory=Counter)  # connections per server process (pid)

    @property
    def ok(self) -> list[Written]:
        return [w for w in self.written if w.error is None]

    @property
    def failed(self) -> list[Written]:
        return [w for w in self.written if w.error is not None]

    def late(self, seconds: float) -> int:
        """Writes sent more than `seconds` after their scheduled time (the writer fell behind)."""
        return sum(1 for w in self.written if w.sent - w.due > seconds)

    @property
    def rate(self) -> float:
        """Writes answered per second, from the first send to the last answer."""
        if not self.written:
            return 0.0
        span = max(w.returned for w in self.written) - min(w.sent for w in self.written)
        return len(self.ok) / span if span > 0 else 0.0


class _Pool(Generic[C]):
    def __init__(self, opener: Callable[[], Awaitable[C]], closer: Callable[[C], Awaitable[None]], most: int) -> None:
        self._opener, self._closer, self._most = opener, closer, most
        self._idle: asyncio.Queue[C] = asyncio.Queue()
        self.live: list[C] = []
        self.opened = 0  # in all, including those opening now
        self._discarded = 0

    async def fill(self, count: int) -> None:
        self.opened += count
        for connection in await asyncio.gather(*(self._opener() for _ in range(count))):
            self.live.append(connection)
            self._idle.put_nowait(connection)

    async def acquire(self) -> C:
        if self._idle.empty() and self.opened - self._discarded < self._most:
            await self.fill(1)
        return await self._idle.get()

    def release(self, connection: C) -> None:
        self._idle.put_nowait(connection)

    async def discard(self, connection: C) -> None:
        self._discarded += 1
        self.live.remove(connection)
        await self._closer(connection)

    async def close(self) -> None:
        await asyncio.gather(*(self._closer(c) for c in self.live), return_exceptions=True)


async def _open_loop(
    writes: Sequence[Write], pool: _Pool[C], operation: Callable[[C, Write], Awaitable[tuple[float, str]]]
) -> list[Written]:
    start = time.monotonic() + LEAD_TIME
    results: list[Written] = []

    async def one(write: Write, due: float) -> None:
        connection = await pool.acquire()
        sent = time.monotonic()
        try:
            returned, cursor = await operation(connection, write)
        except Exception as error:
            results.append(Written(write, due, sent, time.monotonic(), "", repr(error)[:300]))
            await pool.discard(connection)  # its state is unknown: a fresh one replaces it
            return
        pool.release(connection)
        results.append(Written(write, due, sent, returned, cursor))

    tasks = []
    for write in writes:
        due = start + write.at
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(write, due)))
    await asyncio.gather(*tasks)
    return results


def _opt_out_job(
    host: str,
    port: int,
    templates: list[http.RequestTemplate],
    writes: list[Write],
    connections: int,
    most: int,
    server_pid: int | None,
) -> WriteRun:
    async def operation(connection: http.Connection, write: Write) -> tuple[float, str]:
        status, body = await connection.send(templates[write.org].fill(orjson.dumps(write.token).decode()))
        returned = time.monotonic()
        answer = orjson.loads(body)
        payload = (answer.get("data") or {}).get("optOut") or {}
        events = payload.get("events") or []
        if status != 200 or answer.get("errors") or payload.get("errors") or len(events) != 1:
            raise http.HttpError(f"optOut failed ({status}): {body[:300]!r}")
        return returned, str(events[0]["cursor"])

    async def main() -> WriteRun:
        pool: _Pool[http.Connection] = _Pool(partial(http.Connection.open, host, port), _close_http, most)
        await pool.fill(connections)
        try:
            run = WriteRun(await _open_loop(writes, pool, operation), pool.opened)
            if server_pid is not None:  # while the connections are still open
                run.by_worker = workers_serving(server_pid, port, [c.local_port for c in pool.live])
            return run
        finally:
            await pool.close()

    return uvloop.run(main())


async def _close_http(connection: http.Connection) -> None:
    await connection.close()


def _commit_job(dsn: str, channel: str, writes: list[Write], connections: int, most: int) -> WriteRun:
    async def operation(connection: asyncpg.Connection, write: Write) -> tuple[float, str]:
        await connection.execute(INSERT_SCRATCH, write.token)  # autocommit: returns once committed
        committed = time.monotonic()
        await connection.execute("SELECT pg_notify($1, $2)", channel, write.token)
        return committed, ""

    async def main() -> WriteRun:
        pool: _Pool[asyncpg.Connection] = _Pool(partial(asyncpg.connect, dsn), _close_sql, most)
        await pool.fill(connections)
        try:
            return WriteRun(await _open_loop(writes, pool, operation), pool.opened)
        finally:
            await pool.close()

    return uvloop.run(main())


async def _close_sql(connection: asyncpg.Connection) -> None:
    await connection.close()


class Writers(ChildProcess):
    """Write jobs, in a child process of their own."""

    async def opt_outs(
        self,
        host: str,
        port: int,
        templates: list[http.RequestTemplate],
        writes: list[Write],
        *,
        connections: int,
        most: int,
        server_pid: int | None = None,
    ) -> WriteRun:
        """optOut of writes[i].token through templates[writes[i].org] (its org's key and account)."""
        return await self.run(partial(_opt_out_job, host, port, templates, writes, connections, most, server_pid))

    async def commits(self, dsn: str, channel: str, writes: list[Write], *, connections: int, most: int) -> WriteRun:
        return await self.run(partial(_commit_job, dsn, channel, writes, connections, most))


def opt_out_template(host: str, port: int, key: str, account_id: str) -> http.RequestTemplate:
    variables = {"input": {"accountId": account_id, "token": http.VALUE, "channels": ["SMS"]}}
    return http.RequestTemplate.graphql(host, port, key, OPT_OUT, variables)
