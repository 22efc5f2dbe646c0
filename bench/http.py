"""A minimal HTTP/1.1 keep-alive client for the load generator.

The client shares two cores with the server and PostgreSQL, so every microsecond it spends
is taken from what it measures: requests are serialised once up front, and a response is read
as a status line, headers and a Content-Length (or chunked) body, nothing more."""

import asyncio
import json
from dataclasses import dataclass
from typing import Any

VALUE = "@VALUE@"  # put in a template's variables; each request replaces it with a JSON value
_PLACEHOLDER = json.dumps(VALUE).encode()


def _head(host: str, port: int, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n").encode()


@dataclass(frozen=True)
class RequestTemplate:
    """A GraphQL POST serialised once; `fill` only splices in one value (and the length)."""

    head: bytes
    body: bytes

    @classmethod
    def graphql(cls, host: str, port: int, key: str, query: str, variables: dict[str, Any]) -> "RequestTemplate":
        body = json.dumps({"query": query, "variables": variables}, separators=(",", ":")).encode()
        return cls(_head(host, port, "/graphql", {"Authorization": f"Bearer {key}"}), body)

    def fill(self, value_json: str) -> bytes:
        body = self.body.replace(_PLACEHOLDER, value_json.encode())
        return self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body


class HttpError(RuntimeError):
    pass


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> "Connection":
        # Responses of a 1,000-token check are ~70 kB; a larger buffer means fewer reads.
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        return cls(reader, writer)

    @property
    def local_port(self) -> int:
        """The client side's port: with it /proc tells which server process holds the connection."""
        return int(self._writer.get_extra_info("sockname")[1])

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Writes one request and returns (status, body) of its response."""
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        try:
            status = int(head[9:12])
        except ValueError:
            raise HttpError(f"not an HTTP response: {head[:80]!r}") from None
        length = -1
        chunked = False
        for line in head.lower().split(b"\r\n")[1:]:
            if line.startswith(b"content-length:"):
                length = int(line[15:])
            elif line.startswith(b"transfer-encoding:") and b"chunked" in line:
                chunked = True
        if chunked:
            return status, await self._read_chunked()
        if length < 0:
            raise HttpError("response without Content-Length: keep-alive is impossible")
        return status, await self._reader.readexactly(length)

    async def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self._reader.readuntil(b"\r\n")  # no trailers are expected: just the final CRLF
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readexactly(2)

    async def close(self) -> None:
        self._writer.close()
        try:
            await self._writer.wait_closed()
        except (ConnectionError, OSError):
            pass


async def graphql(
    host: str, port: int, key: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One call on a fresh connection, for setup and for checking answers: its `data`, or an error."""
    connection = await Connection.open(host, port)
    try:
        status, body = await connection.send(RequestTemplate.graphql(host, port, key, query, variables or {}).fill(""))
    finally:
        await connection.close()
    document = json.loads(body)
    if status != 200 or document.get("errors"):
        raise HttpError(f"GraphQL call failed ({status}): {body[:500]!r}")
    return dict(document["data"])
