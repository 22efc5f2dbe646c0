import asyncio
import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed


async def closing(
    server_url: str, protocol: str, payload: dict[str, str]
) -> tuple[list[dict[str, object]], int | None]:
    url = server_url.replace("http://", "ws://") + "/graphql"
    received = []
    async with connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
        with pytest.raises(ConnectionClosed):
            while True:
                received.append(json.loads(await asyncio.wait_for(socket.recv(), 10)))
        return received, socket.close_code


async def test_no_key_closes_the_connection_with_4403(server_url: str) -> None:
    assert await closing(server_url, "graphql-transport-ws", {}) == ([], 4403)


async def test_a_bad_key_closes_the_connection_with_4403(server_url: str) -> None:
    assert await closing(server_url, "graphql-transport-ws", {"authorization": "Bearer sl_nope"}) == ([], 4403)


async def test_legacy_protocol_answers_connection_error(server_url: str) -> None:
    received, code = await closing(server_url, "graphql-ws", {"authorization": "Bearer sl_nope"})

    assert received == [
        {
            "type": "connection_error",
            "payload": {"message": 'A valid API key is required: {"authorization": "Bearer <key>"}.'},
        }
    ]
    assert code == 1011
