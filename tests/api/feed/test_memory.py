"""A server's memory stays flat while WebSocket clients come and go (app/memory.py); that each
operation lets go of what it held is counted object by object in test_operation_release.py."""

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.conftest import PEPPER
from tests.support.feed import SUBSCRIPTION
from tests.support.server import Server, running_server
from tests.support.tenants import Tenant

MB = 1024 * 1024


@pytest.fixture(scope="module")
def collecting_server(database_url: str) -> Iterator[Server]:
    # Its own server, collecting garbage every half second as production does every ten.
    env = {"DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER, "STOPLIST_GC_INTERVAL_SECONDS": "0.5"}
    with running_server(env) as started:
        yield started


def resident_bytes(server: Server) -> int:
    for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def subscribed(server: Server, key: str, payload: dict[str, object]) -> ClientConnection:
    socket = await connect(server.url.replace("http://", "ws://") + "/graphql", subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return socket


async def settled(server: Server) -> int:
    await asyncio.sleep(1.5)  # past the next periodic collection
    return resident_bytes(server)


async def test_memory_stays_flat_over_rounds_of_300_connections_opened_and_dropped(
    collecting_server: Server, tenant: Tenant
) -> None:
    server = collecting_server
    after_round = []
    for _ in range(6):
        sockets = await asyncio.gather(
            *(subscribed(server, tenant.reader_key, {"query": SUBSCRIPTION}) for _ in range(300))
        )
        await asyncio.sleep(0.3)
        for socket in sockets:
            socket.transport.abort()  # dropped, as a client that loses its network
        after_round.append(await settled(server))

    # Without the periodic collection the garbage of each round stayed: about 5 MB a round.
    assert after_round[-1] - after_round[1] < 8 * MB, [round(value / MB) for value in after_round]
