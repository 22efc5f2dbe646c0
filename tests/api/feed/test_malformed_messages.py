"""Malformed GraphQL-over-WebSocket messages close the connection with 4400 and a reason, on
both protocols; a bad subscription gets a clear error, never an internal one."""

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.feed import SUBSCRIPTION
from tests.support.tenants import Tenant

PROTOCOLS = [("graphql-transport-ws", "subscribe"), ("graphql-ws", "start")]


async def initialised(server_url: str, protocol: str, key: str) -> ClientConnection:
    socket = await connect(server_url.replace("http://", "ws://") + "/graphql", subprotocols=[protocol])  # type: ignore[list-item]
    await socket.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}))
    assert json.loads(await asyncio.wait_for(socket.recv(), 10))["type"] == "connection_ack"
    return socket


async def closed_with(socket: ClientConnection) -> tuple[int | None, str | None]:
    with pytest.raises(ConnectionClosed):
        async with asyncio.timeout(10):
            while True:
                message = json.loads(await socket.recv())
                assert message["type"] in ("ping", "ka"), message
    return socket.close_code, socket.close_reason


async def first_answer(socket: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while True:
            message = json.loads(await socket.recv())
            if message["type"] not in ("ping", "ka"):
                return dict(message)


@pytest.mark.parametrize(("protocol", "start"), PROTOCOLS)
@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("[]", "A message must be a JSON object, not an array"),
        ("42", "A message must be a JSON object, not a number"),
        ("{not json", "WebSocket message must be valid JSON"),
        ('{"id": "1", "type": "START", "payload": 42}', '"payload" must be an object, not a number'),
        (
            '{"id": {"a": 1}, "type": "START", "payload": {"query": "{ x }"}}',
            '"id" must be a non-empty string, not an object',
        ),
        ('{"type": "START", "payload": {"query": "{ x }"}}', '"id" must be a non-empty string, not null'),
        ('{"id": "1", "type": "START"}', '"payload" must be an object, not null'),
        ('{"id": "1", "type": "START", "payload": {"query": 7}}', '"payload.query" must be a string, not a number'),
    ],
)
async def test_a_malformed_message_closes_with_4400_and_a_reason(
    tenant: Tenant, server_url: str, protocol: str, start: str, message: str, reason: str
) -> None:
    socket = await initialised(server_url, protocol, tenant.reader_key)

    await socket.send(message.replace("START", start))

    assert await closed_with(socket) == (4400, reason)


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_a_connection_that_never_initialises_is_closed_with_4408(server_url: str, protocol: str) -> None:
    url = server_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[protocol]) as socket:  # type: ignore[list-item]
        assert await closed_with(socket) == (4408, "Connection initialisation timeout")


@pytest.mark.parametrize(
    ("operation", "kind"),
    [
        ("{ organization { id } }", "Queries"),
        ('mutation { createAccount(name: "Over legacy") { errors { code } } }', "Mutations"),
    ],
)
async def test_legacy_graphql_ws_refuses_queries_and_mutations(
    tenant: Tenant, server_url: str, operation: str, kind: str
) -> None:
    socket = await initialised(server_url, "graphql-ws", tenant.admin_key)

    await socket.send(json.dumps({"id": "1", "type": "start", "payload": {"query": operation}}))

    assert await first_answer(socket) == {
        "type": "error",
        "id": "1",
        "payload": {
            "message": f"{kind} are not served over the legacy graphql-ws protocol, only subscriptions: send them over "
            "HTTP or graphql-transport-ws.",
            "extensions": {"code": "OPERATION_NOT_ALLOWED"},
        },
    }
    await socket.close()
    accounts = await tenant.api.graphql("{ organization { accounts { name } } }", key=tenant.admin_key)
    assert accounts == {"organization": {"accounts": []}}


@pytest.mark.parametrize(("protocol", "start"), PROTOCOLS)
@pytest.mark.parametrize(
    ("variables", "error"),
    [
        (
            {"after": "1\x00.2"},
            {
                "message": 'after contains a NUL character, which cannot be stored: "1\\u0000.2".',
                "extensions": {"code": "INVALID", "field": "after"},
            },
        ),
        (
            {"accountIds": ["acc_" + "0" * 32] * 101},
            {
                "message": "accountIds has 101 items; at most 100 are allowed.",
                "extensions": {"code": "TOO_MANY", "field": "accountIds"},
            },
        ),
    ],
)
async def test_a_bad_variable_is_refused_before_the_subscription_starts(
    tenant: Tenant, server_url: str, protocol: str, start: str, variables: dict[str, Any], error: dict[str, Any]
) -> None:
    socket = await initialised(server_url, protocol, tenant.reader_key)

    await socket.send(
        json.dumps({"id": "1", "type": start, "payload": {"query": SUBSCRIPTION, "variables": variables}})
    )

    answer = await first_answer(socket)
    errors = answer["payload"] if protocol == "graphql-transport-ws" else [answer["payload"]]
    assert answer["type"] == "error"
    assert [{k: v for k, v in e.items() if k != "locations"} for e in errors] == [error]
    await socket.close()


@pytest.mark.parametrize(("protocol", "start"), PROTOCOLS)
@pytest.mark.parametrize("cursor", ["².1", "18446744073709551616.1", "1.9223372036854775808", "x"])
async def test_a_crafted_feed_cursor_is_an_invalid_cursor(
    tenant: Tenant, server_url: str, protocol: str, start: str, cursor: str
) -> None:
    socket = await initialised(server_url, protocol, tenant.reader_key)

    await socket.send(
        json.dumps({"id": "1", "type": start, "payload": {"query": SUBSCRIPTION, "variables": {"after": cursor}}})
    )

    answer = await first_answer(socket)
    assert answer["payload"]["errors"] == [
        {
            "message": f'"{cursor}" is not an event cursor.',
            "extensions": {"code": "INVALID_CURSOR", "field": "after"},
        }
    ]
    await socket.close()
