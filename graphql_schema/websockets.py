"""graphql-transport-ws with server keep-alive pings: Strawberry's handler only answers the
client's pings, and a quiet subscription behind a proxy or NAT is dropped after its idle
timeout (often 60 s) unless the server keeps the connection busy. Legacy graphql-ws gets its
"ka" messages from Strawberry itself (keep_alive on the view)."""

import asyncio
import contextlib
from typing import Any

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
