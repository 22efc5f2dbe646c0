"""The WebSocket protocol handlers.

graphql-transport-ws gets server keep-alive pings: Strawberry's handler only answers the
client's pings, and a quiet subscription behind a proxy or NAT is dropped after its idle
timeout (often 60 s) unless the server keeps the connection busy. Legacy graphql-ws gets its
"ka" messages from Strawberry itself (keep_alive on the view).

Both check each message's shape before reading it (graphql_schema/ws_messages.py), time out
a connection that never initialises, and open a DirectChannel for each operation
(graphql_schema/direct_delivery.py), released the moment the operation ends: a timer started
inside the operation (asyncpg's statement cache starts one per new statement) keeps a copy of
the operation's context variables, and with them the channel, for as long as it runs."""

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived, WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from graphql_schema import ws_messages
from graphql_schema.context import Context
from graphql_schema.direct_delivery import DirectChannel, current_channel


def _json(value: str) -> str:
    return orjson.dumps(value).decode()


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws: server pings, and a DirectChannel per operation."""

    async def handle_message(self, message: Any) -> None:
        reason = ws_messages.problem(message, ws_messages.TRANSPORT_WS)
        if reason is not None:
            await self.handle_invalid_message(ws_messages.close_reason(reason))
            return
        await super().handle_message(message)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        adapter: TextFrameWebSocketAdapter = self.websocket  # type: ignore[assignment]
        envelope = (f'{{"id":{_json(operation.id)},"type":"next","payload":', "}")
        channel = DirectChannel(adapter.send_text, envelope, lambda: not operation.completed)
        current_channel.set(channel)
        try:
            await super().run_operation(operation)
        finally:
            channel.release()

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
    """The legacy graphql-ws: Strawberry's handler, with graphql-transport-ws's rules for
    malformed messages (4400) and for a connection that never sends connection_init (4408 after
    the same timeout), and a DirectChannel per operation."""

    async def handle(self) -> None:
        timeout = asyncio.create_task(self._close_unless_initialised())
        try:
            async for message in self.websocket.iter_json():
                reason = ws_messages.problem(message, ws_messages.LEGACY_WS)
                if reason is not None:
                    await self.websocket.close(code=4400, reason=ws_messages.close_reason(reason))
                    return
                await self.handle_message(message)  # type: ignore[arg-type]
        except NonTextMessageReceived:
            await self.websocket.close(code=1002, reason="WebSocket message type must be text")
        except NonJsonMessageReceived:
            await self.websocket.close(code=4400, reason="WebSocket message must be valid JSON")
        except WebSocketDisconnected:
            pass
        finally:
            timeout.cancel()
            if self.keep_alive_task:
                self.keep_alive_task.cancel()
                with contextlib.suppress(BaseException):
                    await self.keep_alive_task
            await self.cleanup()

    async def _close_unless_initialised(self) -> None:
        view: Any = self.view
        await asyncio.sleep(view.connection_init_wait_timeout.total_seconds())
        if not self.connection_acknowledged:
            with contextlib.suppress(WebSocketDisconnected):
                await self.websocket.close(code=4408, reason="Connection initialisation timeout")

    async def handle_async_results(
        self, operation_id: str, query: str, operation_name: str | None, variables: dict[str, object] | None
    ) -> None:
        adapter: TextFrameWebSocketAdapter = self.websocket  # type: ignore[assignment]
        envelope = (f'{{"type":"data","id":{_json(operation_id)},"payload":', "}")
        channel = DirectChannel(adapter.send_text, envelope, lambda: operation_id in self.tasks)
        current_channel.set(channel)
        try:
            await super().handle_async_results(operation_id, query, operation_name, variables)
        finally:
            channel.release()


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
