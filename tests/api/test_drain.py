"""SIGTERM drains a server: a request under way is answered in full, an open WebSocket is closed
with a code that says to come back (1012, service restart), and the subscriber resumes after
its last cursor on another server with no event lost."""

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.conftest import PEPPER
from tests.support.feed import subscribed
from tests.support.server import running_server
from tests.support.tenants import Tenant


async def slow_upload(url: str, key: str, account: str, started: asyncio.Event) -> httpx.Response:
    """An opt-out upload whose body arrives over two seconds."""

    async def body() -> AsyncIterator[bytes]:
        yield b"phone\n+31660000001\n"
        started.set()
        for n in range(2, 6):
            await asyncio.sleep(0.5)
            yield f"+3166000000{n}\n".encode()

    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        return await http.post(
            "/imports/optouts",
            params={"accountId": account, "channel": "SMS"},
            content=body(),
            headers={"authorization": f"Bearer {key}", "content-type": "text/csv"},
        )


async def test_sigterm_finishes_requests_and_closes_websockets_so_clients_resume(
    tenant: Tenant, database_url: str, server_url: str
) -> None:
    account = await tenant.create_account()
    env = {"DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER}
    with running_server(env) as draining:
        async with subscribed(draining.url, tenant.reader_key) as feed:
            await asyncio.sleep(0.3)
            first = (await tenant.opt_out(account, "+31660000000", ["SMS"]))[0]
            assert (await feed.next())["cursor"] == first["cursor"]
            started = asyncio.Event()
            upload = asyncio.create_task(slow_upload(draining.url, tenant.writer_key, account, started))
            await started.wait()
            os.kill(draining.pid, signal.SIGTERM)
            stopped_at = time.monotonic()
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await feed.next(timeout=10)
            answer = await upload

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
    assert time.monotonic() - stopped_at < 10
    assert answer.status_code == 200 and answer.json()["optedOut"] == 5
    async with subscribed(server_url, tenant.reader_key, {"after": first["cursor"]}) as resumed:
        missed = await resumed.take(5)
    assert [event["token"] for event in missed] == [f"+3166000000{n}" for n in range(1, 6)]
