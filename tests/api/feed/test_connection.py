import asyncio
import json

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.feed import SUBSCRIPTION
from tests.support.tenants import Tenant


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


async def keep_alive(server_url: str, key: str, protocol: str) -> dict[str, object]:
    url = server_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
        return dict(json.loads(await asyncio.wait_for(socket.recv(), 5)))


async def test_the_server_pings_a_quiet_connection(tenant: Tenant, server_url: str) -> None:
    assert await keep_alive(server_url, tenant.reader_key, "graphql-transport-ws") == {"type": "ping"}
    assert await keep_alive(server_url, tenant.reader_key, "graphql-ws") == {"type": "ka"}


async def test_subscriptions_per_connection_are_capped(tenant: Tenant, server_url: str) -> None:
    url = server_url.replace("http://", "ws://") + "/graphql"
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {tenant.reader_key}"}}
    errors = []
    async with connect(url, subprotocols=["graphql-transport-ws"]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10)) == {"type": "connection_ack"}
        for n in range(21):
            await socket.send(json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
        async with asyncio.timeout(10):
            while not errors:
                message = json.loads(await socket.recv())
                if message["type"] == "error":
                    errors.append(message)

    assert errors == [{"id": "20", "type": "error", "payload": [{"message": "Subscription limit reached"}]}]


@pytest.mark.parametrize(
    ("protocol", "start", "stop", "event"),
    [
        ("graphql-transport-ws", "subscribe", "complete", "next"),
        ("graphql-ws", "start", "stop", "data"),
    ],
)
async def test_a_stopped_subscription_sends_nothing_more_and_its_id_can_be_used_again(
    tenant: Tenant, server_url: str, protocol: str, start: str, stop: str, event: str
) -> None:
    account = await tenant.create_account()
    url = server_url.replace("http://", "ws://") + "/graphql"
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {tenant.reader_key}"}}
    subscribe = {"id": "feed", "type": start, "payload": {"query": SUBSCRIPTION}}

    async def next_event(socket: ClientConnection, within: float = 10.0) -> dict[str, object]:
        async with asyncio.timeout(within):  # keep-alive pings and a `complete` do not count
            while True:
                message = json.loads(await socket.recv())
                if message["type"] not in ("ping", "ka", "complete"):
                    return dict(message)

    async with connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
        await socket.send(json.dumps(subscribe))
        await asyncio.sleep(0.3)
        first = await tenant.opt_out(account, "+31611111111", ["SMS"])
        assert await next_event(socket) == {
            "id": "feed",
            "type": event,
            "payload": {"data": {"optOutEvents": first[0]}},
        }

        await socket.send(json.dumps({"id": "feed", "type": stop}))
        await asyncio.sleep(0.3)
        await tenant.opt_out(account, "+31622222222", ["SMS"])
        with pytest.raises(TimeoutError):
            await next_event(socket, within=1.0)  # nothing for a stopped subscription

        await socket.send(json.dumps(subscribe))
        await asyncio.sleep(0.3)
        third = await tenant.opt_out(account, "+31633333333", ["SMS"])
        assert await next_event(socket) == {
            "id": "feed",
            "type": event,
            "payload": {"data": {"optOutEvents": third[0]}},
        }


@pytest.mark.parametrize(("protocol", "start"), [("graphql-transport-ws", "subscribe"), ("graphql-ws", "start")])
async def test_subscribing_without_connection_init_closes_with_4401(server_url: str, protocol: str, start: str) -> None:
    url = server_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        await socket.send(json.dumps({"id": "1", "type": start, "payload": {"query": SUBSCRIPTION}}))
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(socket.recv(), 10)
        assert socket.close_code == 4401
