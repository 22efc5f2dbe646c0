"""A real GraphQL-over-WebSocket client (graphql-transport-ws, or the legacy graphql-ws), on loopback."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

SUBSCRIPTION = """
subscription($after: String, $fromBeginning: Boolean, $accountIds: [ID!], $channels: [Channel!],
             $tokenTypes: [TokenType!]) {
  optOutEvents(after: $after, fromBeginning: $fromBeginning, accountIds: $accountIds, channels: $channels,
               tokenTypes: $tokenTypes) {
    id cursor accountId scope token tokenType channel action source reason occurredAt
  }
}"""


def text_frame(frame: str | bytes) -> str:
    # Both protocols carry JSON in text frames; standard clients refuse binary ones.
    assert isinstance(frame, str), f"binary frame {frame!r}"
    return frame


class Subscription:
    def __init__(self, socket: ClientConnection, protocol: str) -> None:
        self.socket = socket
        self.protocol = protocol

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next event; fails on an error message or when none comes in time (keep-alive
        pings do not count: the deadline is for an event)."""
        return dict((await self.next_data(timeout))["optOutEvents"])

    async def next_data(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next result's whole `data`, for subscriptions with their own selection."""
        async with asyncio.timeout(timeout):
            return await self._next_data()

    async def _next_data(self) -> dict[str, Any]:
        while True:
            message = json.loads(text_frame(await self.socket.recv()))
            if message["type"] in ("next", "data"):
                payload = message["payload"]
                assert set(payload) == {"data"}, payload
                return dict(payload["data"])
            if message["type"] in ("error", "complete"):
                raise AssertionError(message)
            # ping / ka: keep waiting

    async def error(self, timeout: float = 10.0) -> Any:
        async with asyncio.timeout(timeout):
            return await self._next_error()

    async def _next_error(self) -> Any:
        while True:
            message = json.loads(text_frame(await self.socket.recv()))
            if message["type"] == "error":
                return message["payload"]
            if message["type"] in ("next", "data"):
                payload = message["payload"]
                if payload.get("errors"):
                    return payload["errors"]
                raise AssertionError(message)

    async def nothing_for(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            event = await self.next(timeout=seconds)
            raise AssertionError(f"unexpected event {event}")

    async def take(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        return [await self.next(timeout) for _ in range(count)]


@contextlib.asynccontextmanager
async def subscribed(
    server_url: str,
    key: str | None,
    variables: dict[str, Any] | None = None,
    *,
    protocol: str = "graphql-transport-ws",
    query: str = SUBSCRIPTION,
) -> AsyncIterator[Subscription]:
    url = server_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        payload = {"authorization": f"Bearer {key}"} if key else {}
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        acknowledged = json.loads(text_frame(await asyncio.wait_for(socket.recv(), 10)))
        assert acknowledged["type"] == "connection_ack", acknowledged
        start = "subscribe" if protocol == "graphql-transport-ws" else "start"
        await socket.send(
            json.dumps({"id": "1", "type": start, "payload": {"query": query, "variables": variables or {}}})
        )
        yield Subscription(socket, protocol)
