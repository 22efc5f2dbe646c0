"""Subscriber client processes. Each holds many `optOutEvents` subscriptions (graphql-transport-ws,
the `websockets` asyncio client) and records, per message, only the time it arrived and the
event's token and cursor; everything else is worked out after the measurement.

The processes are driven from the benchmark's own process over a pipe: commands are the public
coroutine methods of `_Client`, called by name. Subscriber i lives in process i % processes."""

import asyncio
import multiprocessing
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import asyncpg
import orjson
import uvloop
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench import cpu
from bench.feed.records import Delivery

PROTOCOL = "graphql-transport-ws"
# What a typical gateway selects.
SUBSCRIPTION = "subscription { optOutEvents { cursor accountId token tokenType channel action occurredAt } }"
SUBSCRIBE = orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}).decode()
CONNECTS_AT_ONCE = 50  # a thundering herd of handshakes would only time out
HANDSHAKE_TIMEOUT = 60.0


async def subscribe(url: str, key: str) -> ClientConnection:
    """A graphql-transport-ws connection, initialised with `key`, that has sent SUBSCRIBE."""
    socket = await connect(url, subprotocols=[PROTOCOL], open_timeout=HANDSHAKE_TIMEOUT, close_timeout=2)  # type: ignore[list-item]
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
    await socket.send(orjson.dumps(init).decode())
    ack = orjson.loads(await asyncio.wait_for(socket.recv(), HANDSHAKE_TIMEOUT))
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"no connection_ack: {ack}")
    await socket.send(SUBSCRIBE)
    return socket


@dataclass(frozen=True)
class _Failure:
    traceback: str


class _Client:
    """Lives in a subscriber process."""

    def __init__(self) -> None:
        self.sockets: list[ClientConnection] = []
        self.deliveries: list[list[Delivery]] = []
        self.errors: list[str] = []
        self.ignored: frozenset[str] = frozenset()
        self.receivers: list[asyncio.Task[None]] = []
        self.closing = False
        self.listener: asyncpg.Connection | None = None
        self.notifications: list[tuple[float, str]] = []

    async def connect(self, url: str, keys: list[str]) -> list[int]:
        """Opens one subscription per key; returns the sockets' local ports."""
        gate = asyncio.Semaphore(CONNECTS_AT_ONCE)

        async def subscribed(key: str) -> ClientConnection:
            async with gate:
                return await subscribe(url, key)

        self.closing = False
        self.ignored = frozenset()
        self.sockets = list(await asyncio.gather(*(subscribed(key) for key in keys)))
        self.deliveries = [[] for _ in self.sockets]
        self.receivers = [
            asyncio.create_task(self._receive(socket, deliveries))
            for socket, deliveries in zip(self.sockets, self.deliveries, strict=True)
        ]
        return [int(socket.local_address[1]) for socket in self.sockets]

    async def _receive(self, socket: ClientConnection, deliveries: list[Delivery]) -> None:
        append, monotonic, loads = deliveries.append, time.monotonic, orjson.loads
        try:
            async for frame in socket:
                received = monotonic()
                message = loads(frame)
                kind = message.get("type")
                if kind == "next":
                    payload = message["payload"]
                    event = (payload.get("data") or {}).get("optOutEvents")
                    if event is None or payload.get("errors"):
                        self.errors.append(f"error payload: {frame[:300]!r}")
                    elif event["token"] not in self.ignored:
                        append((received, event["token"], event["cursor"]))
                elif kind != "ping":  # the server's keep-alive
                    self.errors.append(f"unexpected message: {frame[:300]!r}")
        except ConnectionClosed as closed:
            if not self.closing:
                self.errors.append(f"connection closed: {closed}")

    async def reset(self, ignore: list[str]) -> None:
        """Forgets what was received; from now on also drops the events of the tokens `ignore`
        (primers, which may still be on their way)."""
        self.ignored |= frozenset(ignore)
        for deliveries in self.deliveries:
            deliveries.clear()

    async def counts(self) -> list[int]:
        return [len(deliveries) for deliveries in self.deliveries]

    async def wait(self, minimums: list[int], timeout: float) -> list[int]:
        """Until every socket has received at least its minimum, or `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(len(d) >= m for d, m in zip(self.deliveries, minimums, strict=True)):
                break
            await asyncio.sleep(0.01)
        return await self.counts()

    async def collect(self) -> tuple[list[list[Delivery]], list[str]]:
        """What each socket received since the last reset or collect, and the errors seen."""
        collected = [list(deliveries) for deliveries in self.deliveries]
        errors, self.errors = self.errors, []
        await self.reset([])
        return collected, errors

    async def disconnect(self) -> list[str]:
        self.closing = True
        await asyncio.gather(*(socket.close() for socket in self.sockets), return_exceptions=True)
        for receiver in self.receivers:
            receiver.cancel()
        await asyncio.gather(*self.receivers, return_exceptions=True)
        self.sockets, self.receivers, self.deliveries = [], [], []
        errors, self.errors = self.errors, []
        return errors

    async def listen(self, dsn: str, channel: str) -> None:
        """The baseline's side: a plain LISTEN connection recording each notification's arrival."""
        self.notifications = []
        self.listener = await asyncpg.connect(dsn)
        record = self.notifications.append
        await self.listener.add_listener(channel, lambda *args: record((time.monotonic(), args[3])))

    async def unlisten(self, minimum: int, timeout: float) -> list[tuple[float, str]]:
        deadline = time.monotonic() + timeout
        while len(self.notifications) < minimum and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if self.listener is not None:
            await self.listener.close()
            self.listener = None
        return self.notifications


def serve(pipe: Connection) -> None:
    """The subscriber process: runs commands from the pipe until it closes."""
    uvloop.run(_serve(pipe))  # a cheaper event loop leaves more of the two cores to the server


async def _serve(pipe: Connection) -> None:
    client = _Client()
    loop = asyncio.get_running_loop()
    while True:
        try:
            command, arguments = await loop.run_in_executor(None, pipe.recv)
        except EOFError:
            break
        try:
            reply: Any = await getattr(client, command)(*arguments)
        except Exception:
            reply = _Failure(traceback.format_exc())
        pipe.send(reply)
    await client.disconnect()


class _Process:
    def __init__(self, name: str) -> None:
        context = multiprocessing.get_context("spawn")  # starts clean: none of the benchmark's memory
        self._pipe, child = context.Pipe()
        self.process = context.Process(target=serve, args=(child,), name=name, daemon=True)
        self.process.start()
        child.close()
        self._lock = asyncio.Lock()

    async def call(self, command: str, *arguments: Any) -> Any:
        async with self._lock:
            await asyncio.to_thread(self._pipe.send, (command, arguments))
            reply = await asyncio.to_thread(self._pipe.recv)
        if isinstance(reply, _Failure):
            raise RuntimeError(f"subscriber process failed in {command}:\n{reply.traceback}")
        return reply

    def close(self) -> None:
        self._pipe.close()
        self.process.join(timeout=15)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


class Subscribers:
    """Subscribers spread over a few client processes; subscriber i is in process i % processes."""

    def __init__(self, processes: int) -> None:
        self._processes = [_Process(f"feed-subscribers-{n}") for n in range(processes)]
        self.count = 0

    def _split(self, values: Sequence[Any]) -> list[list[Any]]:
        return [list(values[n :: len(self._processes)]) for n in range(len(self._processes))]

    def _join(self, parts: Sequence[Sequence[Any]]) -> list[Any]:
        joined: list[Any] = [None] * sum(len(part) for part in parts)
        for n, part in enumerate(parts):
            joined[n :: len(parts)] = part
        return joined

    async def _each(self, command: str, *per_process: Sequence[Any]) -> list[Any]:
        return list(
            await asyncio.gather(
                *(p.call(command, *(a[n] for a in per_process)) for n, p in enumerate(self._processes))
            )
        )

    async def _all(self, command: str, *arguments: Any) -> list[Any]:
        return list(await asyncio.gather(*(p.call(command, *arguments) for p in self._processes)))

    async def connect(self, url: str, keys: Sequence[str]) -> list[int]:
        """Subscribes once per key (`url` is the ws:// address of /graphql); returns the local ports."""
        ports = self._join(await self._each("connect", [url] * len(self._processes), self._split(keys)))
        self.count = len(keys)
        return ports

    async def reset(self, ignore: Sequence[str] = ()) -> None:
        """Forgets what was received; from now on also drops the events of the tokens `ignore`."""
        await self._all("reset", list(ignore))

    async def counts(self) -> list[int]:
        return self._join(await self._all("counts"))

    async def wait(self, minimums: Sequence[int], timeout: float) -> list[int]:
        parts = self._split(minimums)
        return self._join(await self._each("wait", parts, [timeout] * len(parts)))

    async def collect(self) -> tuple[list[list[Delivery]], list[str]]:
        replies = await self._all("collect")
        return self._join([deliveries for deliveries, _ in replies]), [e for _, errors in replies for e in errors]

    async def disconnect(self) -> list[str]:
        errors = [e for part in await self._all("disconnect") for e in part]
        self.count = 0
        return errors

    async def listen(self, dsn: str, channel: str) -> None:
        await self._all("listen", dsn, channel)

    async def unlisten(self, minimum: int, timeout: float) -> list[list[tuple[float, str]]]:
        """Each process's notifications, once each has `minimum` of them (or after `timeout`)."""
        return await self._all("unlisten", minimum, timeout)

    @property
    def pids(self) -> list[int]:
        return [p.process.pid or 0 for p in self._processes]

    def cpu_seconds(self) -> float:
        return sum(cpu.tree_seconds(pid) for pid in self.pids)

    def close(self) -> None:
        for process in self._processes:
            process.close()
