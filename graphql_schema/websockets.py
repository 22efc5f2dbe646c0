"""graphql-transport-ws with server keep-alive pings: Strawberry's handler only answers the
client's pings, and a quiet subscription behind a proxy or NAT is dropped after its idle
timeout (often 60 s) unless the server keeps the connection busy. Legacy graphql-ws gets its
"ka" messages from Strawberry itself (keep_alive on the view)."""

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from graphql_schema.context import Context


class PingingTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
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


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Both GraphQL-over-WebSocket protocols carry JSON in text frames. The view encodes JSON
    as bytes (orjson, for HTTP), which Strawberry would send as binary frames that standard
    clients (gql, Apollo) refuse."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as error:
            raise WebSocketDisconnected from error
