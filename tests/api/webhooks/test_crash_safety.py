"""Nothing is lost when a process dies, and nothing is sent twice by two live ones: the outbox row
is the truth (app/outbound/repository.py, app/webhooks/repository.py)."""

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.conftest import PEPPER
from tests.support.client import ApiClient
from tests.support.receiver import Receiver, receiving
from tests.support.server import running_server, stop
from tests.support.tenants import Tenant

BURST = 40
CONFIRM = "mutation($id: ID!) { updateAccount(id: $id, sendConfirmation: true) { errors { code } } }"
CREATE = """
mutation($a: ID!, $url: String!) { createWebhookEndpoint(accountId: $a, url: $url) { secret errors { code } } }"""


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as started:
        yield started


def environment(database_url: str, receiver: Receiver) -> dict[str, str | None]:
    return {
        "DATABASE_URL": database_url,
        "STOPLIST_API_KEY_PEPPER": PEPPER,
        "STOPLIST_SERVE_RUNS_WORKERS": "true",
        "STOPLIST_WEBHOOK_ALLOW_PRIVATE": "true",
        "STOPLIST_SMS_GATEWAY_URL": f"http://127.0.0.1:{receiver.port}/sms",
        "STOPLIST_OUTBOX_LEASE_SECONDS": "2",
        "STOPLIST_WEBHOOK_RETRY_SCHEDULE": "1,1,1,1,1",
        "STOPLIST_OUTBOUND_RETRY_SCHEDULE": "1,1,1,1,1",
    }


async def prepared_account(api: ApiClient, tenant: Tenant, receiver: Receiver) -> str:
    account = await tenant.create_account()
    await api.graphql(CONFIRM, {"id": account}, key=tenant.admin_key)
    hook = f"http://127.0.0.1:{receiver.port}/hook"
    made = (await api.graphql(CREATE, {"a": account, "url": hook}, key=tenant.admin_key))["createWebhookEndpoint"]
    assert made["errors"] == []
    return account


def senders() -> list[str]:
    return [f"+3167{n:07d}" for n in range(BURST)]


async def burst_of_stops(api: ApiClient, tenant: Tenant, account: str) -> None:
    async def stop_from(sender: str) -> int:
        message = {"accountId": account, "from": sender, "to": "3010", "body": "STOP", "messageId": f"crash-{sender}"}
        response = await api.http.post(
            "/inbound/sms", json=message, headers={"authorization": f"Bearer {tenant.writer_key}"}
        )
        return response.status_code

    assert await asyncio.gather(*(stop_from(sender) for sender in senders())) == [200] * BURST


def webhooks(receiver: Receiver, account: str) -> dict[str, set[str]]:
    """webhook-ids by event id, for the account's deliveries."""
    found: dict[str, set[str]] = defaultdict(set)
    for request in receiver.matching(lambda r: r.path == "/hook"):
        data = request.json()["data"]
        if data["accountId"] == account:
            found[data["token"]].add(request.headers["webhook-id"])
    return found


def confirmations(receiver: Receiver, account: str) -> dict[str, set[str]]:
    """messageIds by recipient, for the account's confirmations."""
    found: dict[str, set[str]] = defaultdict(set)
    for request in receiver.matching(lambda r: r.path == "/sms"):
        message = request.json()
        if message["accountId"] == account:
            found[message["to"]].add(message["messageId"])
    return found


async def everything_sent(receiver: Receiver, account: str) -> None:
    async with asyncio.timeout(90):
        while len(webhooks(receiver, account)) < BURST or len(confirmations(receiver, account)) < BURST:
            receiver.arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1):
                    await receiver.arrived.wait()


async def test_a_process_killed_mid_burst_loses_no_webhook_or_confirmation(
    database_url: str, tenant: Tenant, receiver: Receiver
) -> None:
    receiver.delay = 0.3  # slow enough that the burst's deliveries are in flight when the process dies
    env = environment(database_url, receiver)
    with running_server(env) as first:
        async with httpx.AsyncClient(base_url=first.url, timeout=30) as http:
            api = ApiClient(http)
            account = await prepared_account(api, tenant, receiver)
            await burst_of_stops(api, tenant, account)
        os.kill(first.pid, signal.SIGKILL)
    before_restart = len(webhooks(receiver, account)), len(confirmations(receiver, account))

    with running_server(env):
        await everything_sent(receiver, account)

    assert before_restart < (BURST, BURST)  # the process died with work left
    assert sorted(webhooks(receiver, account)) == senders()
    assert all(len(ids) == 1 for ids in webhooks(receiver, account).values())  # a resend keeps its webhook-id
    assert sorted(confirmations(receiver, account)) == senders()
    assert all(len(ids) == 1 for ids in confirmations(receiver, account).values())


async def test_two_worker_processes_never_send_one_item_twice(
    database_url: str, tenant: Tenant, receiver: Receiver
) -> None:
    env = environment(database_url, receiver)
    worker_env = {
        **os.environ,
        **{k: v for k, v in env.items() if v is not None},
        "STOPLIST_OUTBOX_LEASE_SECONDS": "60",
    }
    workers = [
        subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], env=worker_env, stdout=subprocess.DEVNULL)
        for _ in range(2)
    ]
    try:
        # Written through a server that runs no background work: only the two workers send.
        with running_server({**env, "STOPLIST_SERVE_RUNS_WORKERS": "false"}) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                api = ApiClient(http)
                account = await prepared_account(api, tenant, receiver)
                await burst_of_stops(api, tenant, account)
        await everything_sent(receiver, account)
        await asyncio.sleep(1.0)
    finally:
        for worker in workers:
            stop(worker)

    hooks = [r for r in receiver.matching(lambda r: r.path == "/hook") if r.json()["data"]["accountId"] == account]
    sms = [r for r in receiver.matching(lambda r: r.path == "/sms") if r.json()["accountId"] == account]
    assert len(hooks) == len({r.headers["webhook-id"] for r in hooks}) == BURST
    assert len(sms) == len({r.json()["messageId"] for r in sms}) == BURST
