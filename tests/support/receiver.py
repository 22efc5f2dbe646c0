"""A real HTTP receiver on loopback, as a gateway or a webhook endpoint would be: it records
what it is sent and answers what the test tells it to."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from tests.support.server import free_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int
    received: list[Received] = field(default_factory=list)
    # Each rule answers its status to the first request it matches, once; anything else gets 200.
    rules: list[tuple[Callable[[Received], bool], int]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    delay: float = 0.0  # seconds before each answer: a slow receiver

    def fail(self, matching: Callable[[Received], bool], times: int, status: int = 500) -> None:
        self.rules += [(matching, status)] * times

    def matching(self, wanted: Callable[[Received], bool]) -> list[Received]:
        return [request for request in self.received if wanted(request)]

    async def wait_for_matching(
        self, wanted: Callable[[Received], bool], count: int, timeout: float = 30.0
    ) -> list[Received]:
        async with asyncio.timeout(timeout):
            while len(self.matching(wanted)) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.matching(wanted)

    def _status(self, request: Received) -> int:
        for index, (matches, status) in enumerate(self.rules):
            if matches(request):
                del self.rules[index]
                return status
        return 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                request_line = await reader.readline()
                if not request_line:
                    return
                headers: dict[str, str] = {}
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode().partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                request = Received(request_line.split()[1].decode(), headers, body)
                status = self._status(request)
                self.received.append(request)
                self.arrived.set()
                await asyncio.sleep(self.delay)
                writer.write(f"HTTP/1.1 {status} X\r\ncontent-length: 0\r\n\r\n".encode())
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()


@contextlib.asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    receiver = Receiver(free_port())
    server = await asyncio.start_server(receiver._serve, "127.0.0.1", receiver.port)
    async with server:
        yield receiver
