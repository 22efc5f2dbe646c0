"""The load's processes, each a child of its own so that no two share an event loop:

- `Gateway` posts inbound STOPs in open loop, as bench/feed/writers.py writes optOuts (each sent
  at its time whether or not the earlier ones were answered, on a pool of keep-alive connections
  that grows when all are busy), and records when each response was read;
- `Relay` is the latency baseline's other half: it LISTENs, and POSTs each notification's payload
  to the receiver at once, over keep-alive connections: the floor of "a commit reaches an HTTP
  receiver through another process" with no queue, no claim and no bookkeeping in between."""

import asyncio
import json
import time
from functools import partial

import asyncpg
import uvloop

from bench import http
from bench.feed.records import Write
from bench.feed.writers import WriteRun, _close_http, _open_loop, _Pool
from bench.inbound.requests import EXPECT
from bench.load import ChildProcess

RELAY_CONNECTIONS = 8


def _stops_job(host: str, port: int, template: http.RequestTemplate, writes: list[Write], most: int) -> WriteRun:
    async def operation(connection: http.Connection, write: Write) -> tuple[float, str]:
        status, body = await connection.send(template.fill(json.dumps(write.token)))
        returned = time.monotonic()
        if status != 200 or EXPECT not in body:
            raise http.HttpError(f"inbound STOP failed ({status}): {body[:300]!r}")
        return returned, ""

    async def main() -> WriteRun:
        pool: _Pool[http.Connection] = _Pool(partial(http.Connection.open, host, port), _close_http, most)
        await pool.fill(min(most, 8))
        try:
            return WriteRun(await _open_loop(writes, pool, operation), pool.opened)
        finally:
            await pool.close()

    return uvloop.run(main())


class Gateway(ChildProcess):
    async def stops(
        self, host: str, port: int, template: http.RequestTemplate, writes: list[Write], most: int
    ) -> WriteRun:
        """POSTs `template` with each write's token at the write's time (its `at` seconds after the
        job's start plus bench/feed/writers.py's LEAD_TIME); `most` keep-alive connections at most."""
        return await self.run(partial(_stops_job, host, port, template, writes, most))


def _relay_job(dsn: str, channel: str, port: int, count: int, timeout: float) -> int:
    """Relays notifications until `count` of them (primers aside) went out, or `timeout` seconds."""

    async def main() -> int:
        pool: _Pool[http.Connection] = _Pool(
            partial(http.Connection.open, "127.0.0.1", port), _close_http, RELAY_CONNECTIONS * 8
        )
        await pool.fill(RELAY_CONNECTIONS)
        head = b"POST /relay HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        relayed = 0
        done = asyncio.Event()
        tasks: set[asyncio.Task[None]] = set()

        async def post(token: str) -> None:
            nonlocal relayed
            connection = await pool.acquire()
            try:
                status, _ = await connection.send(head + b"Content-Length: %d\r\n\r\n%s" % (len(token), token.encode()))
            finally:
                pool.release(connection)
            if status != 200:
                raise http.HttpError(f"the receiver answered {status}")
            if not token.startswith("primer"):
                relayed += 1
                if relayed >= count:
                    done.set()

        def heard(_connection: object, _pid: int, _channel: str, token: str) -> None:
            task = asyncio.create_task(post(token))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        listener = await asyncpg.connect(dsn)
        try:
            await listener.add_listener(channel, heard)
            try:
                async with asyncio.timeout(timeout):
                    await done.wait()
            except TimeoutError:
                pass
        finally:
            await listener.close()
            await asyncio.gather(*tasks, return_exceptions=True)
            await pool.close()
        return relayed

    return uvloop.run(main())


class Relay(ChildProcess):
    async def relay(self, dsn: str, channel: str, port: int, count: int, timeout: float) -> int:
        return await self.run(partial(_relay_job, dsn, channel, port, count, timeout))
