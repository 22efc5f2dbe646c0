"""The webhook endpoint and the SMS gateway of the benchmark: one HTTP/1.1 keep-alive server in a
child process, an asyncio Protocol on uvloop with no framework, so that the workers deliver over
real loopback HTTP to a receiver that takes as little of the two cores as it can (its own rate
and CPU per request are measured in the run). Per request it records only the arrival time
(`time.monotonic()`, the same clock in every process), what arrived (a webhook, a confirmation
or a relayed baseline message), its token and the id its sender gave it. The benchmark reads
and resets the records over HTTP, from the same server."""

import asyncio
import contextlib
import multiprocessing
import time
from collections.abc import AsyncIterator
from typing import Any, cast

import orjson

from bench import cpu
from bench.http import Connection, HttpError
from tests.support.server import free_port

WEBHOOK, SMS, RELAY = "webhook", "sms", "relay"
PATHS = {b"/hook": WEBHOOK, b"/sms": SMS, b"/relay": RELAY}
RECORDS, COUNTS = b"/bench/records", b"/bench/counts"
# (arrival, kind, token, id): the token of the opt-out it is about (a webhook's data.token, a
# confirmation's recipient, a relayed body) and the sender's id (webhook-id, messageId, "").
Arrival = tuple[float, str, str, str]

_OK = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
_CONTENT_LENGTH = b"\r\ncontent-length:"
_WEBHOOK_ID = b"\r\nwebhook-id:"
_SIGNATURE = b"\r\nwebhook-signature: v1,"
STARTUP_TIMEOUT = 30.0


def _header(head: bytes, lowered: bytes, name: bytes) -> bytes | None:
    start = lowered.find(name)
    if start < 0:
        return None
    start += len(name)
    end = head.find(b"\r\n", start)
    return head[start : end if end >= 0 else len(head)].strip()


class _State:
    def __init__(self) -> None:
        self.arrivals: list[Arrival] = []
        self.counts = {WEBHOOK: 0, SMS: 0, RELAY: 0, "unsigned": 0, "unreadable": 0}

    def handle(self, received: float, head: bytes, body: bytes) -> bytes:
        space = head.find(b" ")
        path = head[space + 1 : head.find(b" ", space + 1)]
        kind = PATHS.get(path)
        if kind is None:
            return self._control(path)
        self.counts[kind] += 1
        lowered = head.lower()
        try:
            if kind == WEBHOOK:
                if _SIGNATURE not in lowered:
                    self.counts["unsigned"] += 1
                token = orjson.loads(body)["data"]["token"]
                sender_id = (_header(head, lowered, _WEBHOOK_ID) or b"").decode()
            elif kind == SMS:
                message = orjson.loads(body)
                token, sender_id = message["to"], message["messageId"]
            else:
                token, sender_id = body.decode(), ""
        except (orjson.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError):
            self.counts["unreadable"] += 1
            return _OK
        self.arrivals.append((received, kind, token, sender_id))
        return _OK

    def _control(self, path: bytes) -> bytes:
        if path == COUNTS:
            body = orjson.dumps(self.counts)
        elif path == RECORDS:
            body = orjson.dumps(self.arrivals)
            self.arrivals = []
        else:
            return _NOT_FOUND
        return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)


class _Protocol(asyncio.Protocol):
    def __init__(self, state: _State) -> None:
        self._state = state
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not an asyncio.Transport subclass

    def data_received(self, data: bytes) -> None:
        received = time.monotonic()
        buffer = self._buffer
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end])
            length = _header(head, head.lower(), _CONTENT_LENGTH)
            total = end + 4 + (int(length) if length else 0)
            if len(buffer) < total:
                return
            body = bytes(buffer[end + 4 : total])
            del buffer[:total]
            assert self._transport is not None
            self._transport.write(self._state.handle(received, head, body))


def serve(port: int) -> None:
    """The receiver process: serves on 127.0.0.1:`port` until it is terminated."""
    import uvloop  # a cheaper event loop leaves more of the two cores to the server

    async def main() -> None:
        state = _State()
        server = await asyncio.get_running_loop().create_server(lambda: _Protocol(state), "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    uvloop.run(main())


class Receiver:
    def __init__(self) -> None:
        self.port = free_port()
        context = multiprocessing.get_context("spawn")  # starts clean: none of the benchmark's memory
        self._process = context.Process(target=serve, args=(self.port,), name="bench-receiver", daemon=True)

    @property
    def pid(self) -> int:
        return self._process.pid or 0

    def url(self, kind: str) -> str:
        path = next(path for path, named in PATHS.items() if named == kind)
        return f"http://127.0.0.1:{self.port}{path.decode()}"

    def cpu_seconds(self) -> float:
        return cpu.tree_seconds(self.pid)

    async def _get(self, path: bytes) -> Any:
        connection = await Connection.open("127.0.0.1", self.port)
        try:
            status, body = await connection.send(b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path)
        finally:
            await connection.close()
        if status != 200:
            raise HttpError(f"the receiver answered {status} to {path.decode()}")
        return orjson.loads(body)

    async def counts(self) -> dict[str, int]:
        """Requests received, by kind, since the receiver started; and unsigned or unreadable ones."""
        return dict(await self._get(COUNTS))

    async def take(self) -> list[Arrival]:
        """What arrived since the last call, and the receiver forgets it."""
        return [(at, kind, token, sender_id) for at, kind, token, sender_id in await self._get(RECORDS)]

    async def wait(self, minimums: dict[str, int], timeout: float) -> tuple[dict[str, int], float]:
        """Until the counts reach `minimums` or `timeout` seconds pass: the counts, and when
        (time.monotonic()) they were read."""
        deadline = time.monotonic() + timeout
        while True:
            counts = await self.counts()
            now = time.monotonic()
            if all(counts[kind] >= least for kind, least in minimums.items()) or now > deadline:
                return counts, now
            await asyncio.sleep(0.05)

    async def start(self) -> None:
        self._process.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            try:
                await self.counts()
                return
            except OSError:
                if time.monotonic() > deadline or not self._process.is_alive():
                    raise RuntimeError("the benchmark's receiver did not start") from None
                await asyncio.sleep(0.05)

    def close(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=15)


@contextlib.asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    try:
        await receiver.start()
        yield receiver
    finally:
        receiver.close()
