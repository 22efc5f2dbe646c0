"""Webhooks to real receivers on loopback: every opt-out and opt-in of an account's list reaches
its endpoints, signed so that the reference Standard Webhooks library verifies it, at least
once, retried with the same webhook-id until the endpoint takes it."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from tests.conftest import PEPPER
from tests.support.client import ApiClient
from tests.support.receiver import Received, Receiver, receiving
from tests.support.server import Server, running_server
from tests.support.tenants import Tenant

CREATE = """
mutation($a: ID!, $url: String!) { createWebhookEndpoint(accountId: $a, url: $url) {
  endpoint { id url enabled } secret errors { field code message } } }"""
ENDPOINT = """
query($a: ID!) { webhookEndpoints(accountId: $a) {
  id enabled disabledReason deliveries { eventId webhookId kind attempt statusCode succeeded error } } }"""
UPDATE = """
mutation($id: ID!, $enabled: Boolean) { updateWebhookEndpoint(id: $id, enabled: $enabled) {
  endpoint { enabled } errors { code } } }"""
ROTATE = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret errors { code } } }"
TEST = "mutation($id: ID!) { sendTestWebhook(id: $id) { errors { code } } }"
DELETE = "mutation($id: ID!) { deleteWebhookEndpoint(id: $id) { errors { code } } }"
EVENT_FIELDS = "id cursor accountId scope token tokenType channel action source reason occurredAt"


@pytest.fixture(scope="module")
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as started:
        yield started


@pytest.fixture(scope="module")
def delivering_server(database_url: str) -> Iterator[Server]:
    env = {
        "DATABASE_URL": database_url,
        "STOPLIST_API_KEY_PEPPER": PEPPER,
        "STOPLIST_SERVE_RUNS_WORKERS": "true",
        "STOPLIST_WEBHOOK_ALLOW_PRIVATE": "true",  # the receivers are on loopback
        "STOPLIST_WEBHOOK_RETRY_SCHEDULE": "1,1,1,1,1,1,1,1",
        "STOPLIST_WEBHOOK_DISABLE_AFTER_SECONDS": "4",
    }
    with running_server(env) as server:
        yield server


@pytest.fixture
async def api_here(delivering_server: Server) -> AsyncIterator[ApiClient]:
    async with httpx.AsyncClient(base_url=delivering_server.url, timeout=30) as http:
        yield ApiClient(http)


def to_path(path: str) -> Callable[[Received], bool]:
    return lambda request: request.path == path


async def endpoint_of(api: ApiClient, tenant: Tenant, account: str, receiver: Receiver, path: str) -> dict[str, Any]:
    url = f"http://127.0.0.1:{receiver.port}{path}"
    made = (await api.graphql(CREATE, {"a": account, "url": url}, key=tenant.admin_key))["createWebhookEndpoint"]
    assert made["errors"] == [] and made["secret"].startswith("whsec_"), made
    return dict(made)


async def opt_out(api: ApiClient, tenant: Tenant, account: str, token: str) -> dict[str, Any]:
    mutation = f"mutation($input: OptOutInput!) {{ optOut(input: $input) {{ events {{ {EVENT_FIELDS} }} }} }}"
    change = {"accountId": account, "token": token, "channels": ["SMS"], "reason": "STOP"}
    (event,) = (await api.graphql(mutation, {"input": change}, key=tenant.writer_key))["optOut"]["events"]
    return dict(event)


def verified(secret: str, request: Received) -> Any:
    return Webhook(secret).verify(request.body, request.headers)


async def test_an_opt_out_is_delivered_signed_with_the_event(
    tenant: Tenant, api_here: ApiClient, receiver: Receiver
) -> None:
    account = await tenant.create_account()
    made = await endpoint_of(api_here, tenant, account, receiver, "/signed")

    event = await opt_out(api_here, tenant, account, "+31611111111")
    (delivery,) = await receiver.wait_for_matching(to_path("/signed"), 1)

    payload = verified(made["secret"], delivery)
    assert payload["type"] == "optout.created"
    assert {name: payload["data"][name] for name in event} == event
    assert payload["data"]["evidence"] is None
    assert delivery.headers["webhook-id"].startswith("msg_")


async def test_uploaded_opt_outs_are_delivered_as_any_other(
    tenant: Tenant, api_here: ApiClient, receiver: Receiver
) -> None:
    account = await tenant.create_account()
    made = await endpoint_of(api_here, tenant, account, receiver, "/uploaded")
    numbers = [f"+316{index:08d}" for index in range(150)]  # a batch large enough to be taken in bulk

    response = await api_here.http.post(
        "/imports/optouts",
        params={"accountId": account, "channel": "SMS"},
        content="\n".join(numbers).encode(),
        headers={"authorization": f"Bearer {tenant.writer_key}"},
    )
    deliveries = await receiver.wait_for_matching(to_path("/uploaded"), len(numbers))

    assert response.json()["optedOut"] == len(numbers)
    payloads = [verified(made["secret"], delivery) for delivery in deliveries]
    assert sorted((p["type"], p["data"]["token"], p["data"]["source"]) for p in payloads) == [
        ("optout.created", number, "UPLOAD") for number in numbers
    ]


async def test_an_account_hears_the_changes_of_the_list_it_uses(
    tenant: Tenant, api_here: ApiClient, receiver: Receiver
) -> None:
    maker, sibling, isolated = (
        await tenant.create_account(),
        await tenant.create_account(),
        await tenant.create_account(scope="ACCOUNT"),
    )
    await endpoint_of(api_here, tenant, sibling, receiver, "/sibling")
    await endpoint_of(api_here, tenant, isolated, receiver, "/isolated")

    event = await opt_out(api_here, tenant, maker, "+31622222222")  # on the organization list
    (delivery,) = await receiver.wait_for_matching(to_path("/sibling"), 1)
    await asyncio.sleep(1.0)

    assert delivery.json()["data"]["id"] == event["id"]
    assert receiver.matching(to_path("/isolated")) == []


async def test_a_failing_endpoint_gets_the_delivery_again_with_the_same_webhook_id(
    tenant: Tenant, api_here: ApiClient, receiver: Receiver
) -> None:
    account = await tenant.create_account()
    made = await endpoint_of(api_here, tenant, account, receiver, "/flaky")
    receiver.fail(to_path("/flaky"), times=1, status=500)

    event = await opt_out(api_here, tenant, account, "+31633333333")
    first, second = await receiver.wait_for_matching(to_path("/flaky"), 2)
    await asyncio.sleep(0.5)

    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert verified(made["secret"], second)["data"]["id"] == event["id"]
    (listed,) = (await api_here.graphql(ENDPOINT, {"a": account}, key=tenant.reader_key))["webhookEndpoints"]
    webhook_id = first.headers["webhook-id"]
    assert listed["deliveries"] == [
        {
            "eventId": event["id"],
            "webhookId": webhook_id,
            "kind": "optout.created",
            "attempt": 2,
            "statusCode": 200,
            "succeeded": True,
            "error": None,
        },
        {
            "eventId": event["id"],
            "webhookId": webhook_id,
            "kind": "optout.created",
            "attempt": 1,
            "statusCode": 500,
            "succeeded": False,
            "error": "the endpoint answered 500",
        },
    ]


async def test_a_slow_endpoint_holds_up_no_other_delivery(
    tenant: Tenant, api_here: ApiClient, receiver: Receiver
) -> None:
    stall = 6.0  # within the server's delivery timeout (10 s): the slow endpoint does answer
    async with receiving() as slow:
        slow.delay = stall
        # Each with its own list, so that each endpoint hears only its own account's opt-out.
        stalled, prompt = await tenant.create_account(scope="ACCOUNT"), await tenant.create_account(scope="ACCOUNT")
        stalled_endpoint = await endpoint_of(api_here, tenant, stalled, slow, "/slow")
        await endpoint_of(api_here, tenant, prompt, receiver, "/prompt")

        await opt_out(api_here, tenant, stalled, "+31677777771")
        await slow.wait_for_matching(to_path("/slow"), 1)  # and now it keeps the worker waiting
        event = await opt_out(api_here, tenant, prompt, "+31677777772")
        (delivery,) = await receiver.wait_for_matching(to_path("/prompt"), 1, timeout=stall / 2)
        (slow_listed,) = (await api_here.graphql(ENDPOINT, {"a": stalled}, key=tenant.reader_key))["webhookEndpoints"]

        assert delivery.json()["data"]["id"] == event["id"]
        assert slow_listed["id"] == stalled_endpoint["endpoint"]["id"]
        assert slow_listed["deliveries"] == []  # still waiting for its answer meanwhile
        await asyncio.sleep(stall)  # its answer comes and is recorded before the receiver goes


async def test_during_a_rotation_both_secrets_sign(tenant: Tenant, api_here: ApiClient, receiver: Receiver) -> None:
    account = await tenant.create_account()
    made = await endpoint_of(api_here, tenant, account, receiver, "/rotating")
    rotated = (await api_here.graphql(ROTATE, {"id": made["endpoint"]["id"]}, key=tenant.admin_key))[
        "rotateWebhookSecret"
    ]

    await opt_out(api_here, tenant, account, "+31644444444")
    (delivery,) = await receiver.wait_for_matching(to_path("/rotating"), 1)

    assert rotated["errors"] == [] and rotated["secret"] != made["secret"]
    assert verified(made["secret"], delivery) == verified(rotated["secret"], delivery)
    with pytest.raises(WebhookVerificationError):
        verified("whsec_" + "A" * 43, delivery)


async def test_an_endpoint_failing_too_long_is_disabled_and_its_deliveries_wait_for_it(
    tenant: Tenant, api_here: ApiClient, receiver: Receiver
) -> None:
    account = await tenant.create_account()
    made = await endpoint_of(api_here, tenant, account, receiver, "/down")
    receiver.fail(to_path("/down"), times=6, status=503)

    event = await opt_out(api_here, tenant, account, "+31655555555")
    async with asyncio.timeout(30):
        while (await api_here.graphql(ENDPOINT, {"a": account}, key=tenant.reader_key))["webhookEndpoints"][0][
            "enabled"
        ]:
            await asyncio.sleep(0.5)
    tried = len(receiver.matching(to_path("/down")))
    await asyncio.sleep(2.0)
    (disabled,) = (await api_here.graphql(ENDPOINT, {"a": account}, key=tenant.reader_key))["webhookEndpoints"]
    nothing_while_disabled = len(receiver.matching(to_path("/down"))) == tried
    receiver.rules.clear()  # the receiver is back
    enabled = await api_here.graphql(UPDATE, {"id": made["endpoint"]["id"], "enabled": True}, key=tenant.admin_key)
    delivered = await receiver.wait_for_matching(to_path("/down"), tried + 1)

    assert disabled["disabledReason"].startswith("failing since more than 4 s")
    assert nothing_while_disabled
    assert enabled["updateWebhookEndpoint"] == {"endpoint": {"enabled": True}, "errors": []}
    assert verified(made["secret"], delivered[-1])["data"]["id"] == event["id"]


async def test_a_test_delivery_is_signed_too(tenant: Tenant, api_here: ApiClient, receiver: Receiver) -> None:
    account = await tenant.create_account()
    made = await endpoint_of(api_here, tenant, account, receiver, "/test")

    queued = await api_here.graphql(TEST, {"id": made["endpoint"]["id"]}, key=tenant.admin_key)
    (delivery,) = await receiver.wait_for_matching(to_path("/test"), 1)

    assert queued["sendTestWebhook"]["errors"] == []
    assert verified(made["secret"], delivery)["type"] == "webhook.test"


async def test_a_deleted_endpoint_gets_nothing_more(tenant: Tenant, api_here: ApiClient, receiver: Receiver) -> None:
    account = await tenant.create_account()
    made = await endpoint_of(api_here, tenant, account, receiver, "/deleted")

    await api_here.graphql(DELETE, {"id": made["endpoint"]["id"]}, key=tenant.admin_key)
    await opt_out(api_here, tenant, account, "+31666666666")
    await asyncio.sleep(1.5)

    assert receiver.matching(to_path("/deleted")) == []
    assert (await api_here.graphql(ENDPOINT, {"a": account}, key=tenant.reader_key))["webhookEndpoints"] == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:9/hook", "loopback"),
        ("http://10.0.0.7/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("ftp://example.com/hook", "http"),
        ("http://user:secret@example.com/hook", "user name or password"),
    ],
)
async def test_a_destination_that_is_not_a_public_http_url_is_refused(
    tenant: Tenant, api: ApiClient, url: str, message: str
) -> None:
    account = await tenant.create_account()

    made = (await api.graphql(CREATE, {"a": account, "url": url}, key=tenant.admin_key))["createWebhookEndpoint"]

    assert made["endpoint"] is None and made["secret"] is None
    assert [(e["field"], e["code"]) for e in made["errors"]] == [("url", "INVALID")]
    assert message in made["errors"][0]["message"]
    assert (await api.graphql(ENDPOINT, {"a": account}, key=tenant.reader_key))["webhookEndpoints"] == []


async def test_only_an_admin_manages_endpoints(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    made = await api.graphql(CREATE, {"a": account, "url": "https://example.com/hook"}, key=tenant.writer_key)

    assert [e["code"] for e in made["createWebhookEndpoint"]["errors"]] == ["FORBIDDEN"]
