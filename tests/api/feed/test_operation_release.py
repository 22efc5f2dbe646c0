"""An operation that ends, however it ends, leaves nothing of itself in the server: not its
executor, its variables or its socket. Counted object by object, so this server runs in the
test's own process (real WebSocket clients still reach it over loopback)."""

import asyncio
import gc
import json
from collections.abc import AsyncIterator

import pytest
import uvicorn
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import Operation
from websockets.asyncio.client import ClientConnection, connect

from app.main import create_app
from app.settings import Settings
from graphql_schema.direct_delivery import DirectDeliveryExecutionContext
from graphql_schema.websockets import LegacyWSHandler, TransportWSHandler
from tests.conftest import PEPPER
from tests.support.feed import SUBSCRIPTION
from tests.support.server import free_port
from tests.support.tenants import Tenant


@pytest.fixture(scope="module")
async def in_process_url(database_url: str) -> AsyncIterator[str]:
    settings = Settings(DATABASE_URL=database_url, STOPLIST_API_KEY_PEPPER=PEPPER, STOPLIST_GC_INTERVAL_SECONDS=0)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, database_url), host="127.0.0.1", port=port, ws="websockets-sansio", log_level="warning"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    yield f"ws://127.0.0.1:{port}/graphql"
    server.should_exit = True
    await serving


def alive(kind: type) -> int:
    gc.collect()
    return sum(isinstance(value, kind) for value in gc.get_objects())


async def started(url: str, protocol: str, key: str, variables: dict[str, object]) -> ClientConnection:
    socket = await connect(url, subprotocols=[protocol])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"
    await socket.send(
        json.dumps({"id": "1", "type": start, "payload": {"query": SUBSCRIPTION, "variables": variables}})
    )
    return socket


async def test_ended_operations_leave_nothing_behind(in_process_url: str, tenant: Tenant) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31611111111", ["SMS"])
    # Each combination of filters reads the history with a statement the operation prepares
    # itself: asyncpg's statement cache used to keep a copy of the operation's context then.
    filters: list[dict[str, object]] = [
        {"fromBeginning": True}
        | ({"accountIds": [account]} if accounts else {})
        | ({"channels": ["SMS"]} if channels else {})
        | ({"tokenTypes": ["MSISDN"]} if token_types else {})
        for accounts in (False, True)
        for channels in (False, True)
        for token_types in (False, True)
    ]
    sockets = []
    for index, variables in enumerate(filters):
        protocol = ("graphql-transport-ws", "graphql-ws")[index % 2]
        sockets.append((protocol, await started(in_process_url, protocol, tenant.reader_key, variables)))
    for _, socket in sockets:
        async with asyncio.timeout(10):
            while json.loads(await socket.recv())["type"] not in ("next", "data"):
                pass  # the operation runs: it has read the history
    assert alive(DirectDeliveryExecutionContext) == len(filters)

    for index, (protocol, socket) in enumerate(sockets):
        if index % 3 == 0:
            socket.transport.abort()  # a client gone without a word
        elif index % 3 == 1:
            await socket.send(
                json.dumps({"id": "1", "type": "complete" if protocol == "graphql-transport-ws" else "stop"})
            )
            await asyncio.sleep(0.1)
            await socket.close()
        else:
            await socket.close()
    await asyncio.sleep(0.5)  # the server notices and ends each operation

    assert alive(DirectDeliveryExecutionContext) == 0
    assert alive(Operation) == 0
    assert alive(TransportWSHandler) + alive(LegacyWSHandler) == 0
