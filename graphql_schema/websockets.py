"""The WebSocket protocol handlers.

graphql-transport-ws gets server keep-alive pings: Strawberry's handler only answers the
client's pings, and a quiet subscription behind a proxy or NAT is dropped after its idle
timeout (often 60 s) unless the server keeps the connection busy. Legacy graphql-ws gets its
"ka" messages from Strawberry itself (keep_alive on the view).

Both open a DirectChannel for each operation (graphql_schema/direct_delivery.py)."""

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from graphql_schema.context import Context
from graphql_schema.direct_delivery import DirectChannel, current_channel


def _json(value: str) -> str:
    return orjson.dumps(value).decode()


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws: server pings, and a DirectChannel per operation."""

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        adapter: TextFrameWebSocketAdapter = self.websocket  # type: ignore[assignment]
        envelope = (f'{{"id":{_json(operation.id)},"type":"next","payload":', "}")
        current_channel.set(DirectChannel(adapter.send_text, envelope, lambda: not operation.completed))
        await super().run_operation(operation)

    async def handle(self) -> None:
        pinger = asyncio.create_task(self._ping())
        try:
            await super().handle()
        finally:
            pinger.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pinger

    async def _ping(self) -> None:
        view: Any = self.view
        interval = float(view.keep_alive_interval)
        with contextlib.suppress(Exception):  # the socket closed: the handler is ending anyway
            while True:
                await asyncio.sleep(interval)
                if self.connection_acknowledged:
                    await self.send_message({"type": "ping"})


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    """The legacy graphql-ws: a DirectChannel per operation."""

    async def handle_async_results(
        self, operation_id: str, query: str, operation_name: str | None, variables: dict[str, object] | None
    ) -> None:
        adapter: TextFrameWebSocketAdapter = self.websocket  # type: ignore[assignment]
        envelope = (f'{{"type":"data","id":{_json(operation_id)},"payload":', "}")
        current_channel.set(DirectChannel(adapter.send_text, envelope, lambda: operation_id in self.tasks))
        await super().handle_async_results(operation_id, query, operation_name, variables)


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Both GraphQL-over-WebSocket protocols carry JSON in text frames. The view encodes JSON
    as bytes (orjson, for HTTP), which Strawberry would send as binary frames that standard
    clients (gql, Apollo) refuse."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        await self.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)

    async def send_text(self, text: str) -> None:
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error
