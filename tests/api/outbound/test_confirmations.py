"""Opt-out confirmations: one SMS for an opt-out a person made, queued in the opt-out's own
transaction and sent through the gateway, retried until it goes or has failed every try."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from app.keywords.defaults import CONFIRMATION_TEXT
from tests.conftest import PEPPER
from tests.support.client import ApiClient
from tests.support.receiver import Received, Receiver, receiving
from tests.support.server import Server, running_server
from tests.support.tenants import Tenant

CONFIRM = "mutation($id: ID!, $on: Boolean) { updateAccount(id: $id, sendConfirmation: $on) { errors { code } } }"
OUTBOUND = """
query($a: ID!) {
  outboundMessages(accountId: $a) { totalCount edges { node { to body kind status attempts lastError } } }
}"""


@pytest.fixture(scope="module")
async def gateway() -> AsyncIterator[Receiver]:
    async with receiving() as receiver:
        yield receiver


@pytest.fixture(scope="module")
def sending_server(database_url: str, gateway: Receiver) -> Iterator[Server]:
    env = {
        "DATABASE_URL": database_url,
        "STOPLIST_API_KEY_PEPPER": PEPPER,
        "STOPLIST_SERVE_RUNS_WORKERS": "true",
        "STOPLIST_SMS_GATEWAY_URL": gateway.url,
        "STOPLIST_OUTBOUND_RETRY_SCHEDULE": "[1, 1]",
    }
    with running_server(env) as server:
        yield server


@pytest.fixture
async def sending(sending_server: Server) -> AsyncIterator[ApiClient]:
    async with httpx.AsyncClient(base_url=sending_server.url, timeout=30) as http:
        yield ApiClient(http)


def to_account(account: str) -> Callable[[Received], bool]:
    return lambda request: request.json().get("accountId") == account


async def confirming_account(tenant: Tenant, api: ApiClient) -> str:
    account = await tenant.create_account()
    assert (await api.graphql(CONFIRM, {"id": account, "on": True}, key=tenant.admin_key))["updateAccount"] == {
        "errors": []
    }
    return account


async def opt_out(api: ApiClient, tenant: Tenant, account: str, token: str, channels: list[str], **extra: Any) -> None:
    mutation = "mutation($input: OptOutInput!) { optOut(input: $input) { errors { code } } }"
    change = {"accountId": account, "token": token, "channels": channels, **extra}
    assert (await api.graphql(mutation, {"input": change}, key=tenant.writer_key))["optOut"] == {"errors": []}


async def outbound(api: ApiClient, tenant: Tenant, account: str) -> dict[str, Any]:
    return dict((await api.graphql(OUTBOUND, {"a": account}, key=tenant.reader_key))["outboundMessages"])


async def test_an_opt_out_is_confirmed_once_through_the_gateway(
    tenant: Tenant, sending: ApiClient, gateway: Receiver
) -> None:
    account = await confirming_account(tenant, sending)

    await opt_out(sending, tenant, account, "+31611111111", ["SMS", "VOICE"])
    await opt_out(sending, tenant, account, "+31611111111", ["SMS"])  # a repeat changes nothing: no second one
    (posted,) = await gateway.wait_for_matching(to_account(account), 1)
    await asyncio.sleep(1.0)

    assert posted.json() == {
        "to": "+31611111111",
        "body": CONFIRMATION_TEXT,
        "accountId": account,
        "messageId": posted.json()["messageId"],
    }
    assert len(gateway.matching(to_account(account))) == 1
    assert await outbound(sending, tenant, account) == {
        "totalCount": 1,
        "edges": [
            {
                "node": {
                    "to": "+31611111111",
                    "body": CONFIRMATION_TEXT,
                    "kind": "CONFIRMATION",
                    "status": "SENT",
                    "attempts": 1,
                    "lastError": None,
                }
            }
        ],
    }


@pytest.mark.parametrize(
    ("token", "channels", "extra", "confirmed"),
    [
        ("+31622222222", ["SMS"], {"source": "KEYWORD"}, True),
        ("+31622222222", ["SMS"], {"source": "IMPORT"}, False),
        ("+31622222222", ["SMS"], {"source": "UPLOAD"}, False),
        ("person@example.com", ["EMAIL"], {}, False),
    ],
)
async def test_only_a_persons_opt_out_of_a_number_is_confirmed(
    tenant: Tenant, sending: ApiClient, token: str, channels: list[str], extra: dict[str, str], confirmed: bool
) -> None:
    account = await confirming_account(tenant, sending)

    await opt_out(sending, tenant, account, token, channels, **extra)

    assert (await outbound(sending, tenant, account))["totalCount"] == (1 if confirmed else 0)


async def test_nothing_is_queued_when_confirmations_are_off(tenant: Tenant, sending: ApiClient) -> None:
    account = await tenant.create_account()

    await opt_out(sending, tenant, account, "+31633333333", ["SMS"])

    assert (await outbound(sending, tenant, account))["totalCount"] == 0


async def test_the_accounts_own_confirmation_text_is_sent(
    tenant: Tenant, sending: ApiClient, gateway: Receiver
) -> None:
    account = await confirming_account(tenant, sending)
    text = "Je bent afgemeld. Je ontvangt geen berichten meer."
    update = "mutation($a: ID!, $t: String) { updateKeywords(accountId: $a, confirmationText: $t) { errors { code } } }"
    await sending.graphql(update, {"a": account, "t": text}, key=tenant.admin_key)

    await opt_out(sending, tenant, account, "+31644444444", ["SMS"])
    (posted,) = await gateway.wait_for_matching(to_account(account), 1)

    assert posted.json()["body"] == text


async def test_a_failing_gateway_is_tried_again_with_the_same_message_id(
    tenant: Tenant, sending: ApiClient, gateway: Receiver
) -> None:
    account = await confirming_account(tenant, sending)
    gateway.fail(to_account(account), times=1)

    await opt_out(sending, tenant, account, "+31655555555", ["SMS"])
    first, second = await gateway.wait_for_matching(to_account(account), 2)
    await asyncio.sleep(0.5)

    assert first.json()["messageId"] == second.json()["messageId"]
    (message,) = [edge["node"] for edge in (await outbound(sending, tenant, account))["edges"]]
    assert (message["status"], message["attempts"], message["lastError"]) == ("SENT", 2, None)


async def test_a_message_that_fails_every_try_is_marked_failed(
    tenant: Tenant, sending: ApiClient, gateway: Receiver
) -> None:
    account = await confirming_account(tenant, sending)
    gateway.fail(to_account(account), times=3, status=503)

    await opt_out(sending, tenant, account, "+31666666666", ["SMS"])
    await gateway.wait_for_matching(to_account(account), 3)
    await asyncio.sleep(0.5)

    (message,) = [edge["node"] for edge in (await outbound(sending, tenant, account))["edges"]]
    assert (message["status"], message["attempts"], message["lastError"]) == (
        "FAILED",
        3,
        "the gateway answered 503",
    )
    await asyncio.sleep(1.5)
    assert len(gateway.matching(to_account(account))) == 3  # no further try
