"""Several server processes: an event committed through any process reaches every subscriber
on every process, and a dropped database connection only delays delivery."""

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import PEPPER
from tests.support.client import ApiClient
from tests.support.feed import subscribed
from tests.support.server import running_server
from tests.support.tenants import Tenant


@pytest.fixture(scope="module")
def two_workers(database_url: str) -> Iterator[str]:
    env = {
        "DATABASE_URL": database_url,
        "STOPLIST_API_KEY_PEPPER": PEPPER,
        "STOPLIST_DB_APPLICATION_NAME": "stoplist-2w",
        "STOPLIST_FEED_RING_SIZE": "20",  # so a burst outruns the ring and subscribers read the table
    }
    with running_server(env, workers=2) as server:
        yield server.url


async def opt_out_on_a_new_connection(url: str, tenant: Tenant, account: str, token: str) -> list[dict[str, object]]:
    # A connection of its own each time, so the writes spread over both processes.
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        api = ApiClient(http)
        return await Tenant(
            api=api,
            units=tenant.units,
            keys=tenant.keys,
            organization_id=tenant.organization_id,
            admin_key=tenant.admin_key,
        ).opt_out(account, token, ["SMS"])


async def test_events_reach_every_subscriber_on_every_process(tenant: Tenant, two_workers: str) -> None:
    account = await tenant.create_account()
    tokens = [f"+3162000{n:04d}" for n in range(12)]
    async with AsyncExitStack() as stack:
        feeds = [await stack.enter_async_context(subscribed(two_workers, tenant.reader_key)) for _ in range(8)]
        await asyncio.sleep(0.5)
        made = []
        for token in tokens:
            made += await opt_out_on_a_new_connection(two_workers, tenant, account, token)

        received = [await feed.take(len(tokens)) for feed in feeds]

    assert all(events == made for events in received)


async def test_delivery_resumes_after_the_database_drops_the_connections(
    tenant: Tenant, two_workers: str, engine: AsyncEngine
) -> None:
    account = await tenant.create_account()
    async with subscribed(two_workers, tenant.reader_key) as feed:
        await asyncio.sleep(0.5)
        before = await opt_out_on_a_new_connection(two_workers, tenant, account, "+31630000001")
        assert await feed.take(1) == before

        async with engine.connect() as connection:
            await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name LIKE 'stoplist-2w%' AND pid <> pg_backend_pid()"
                    " AND datname = current_database()"
                )
            )
        after, failures = [], 0
        for n in range(2, 5):
            for _attempt in range(10):
                try:
                    after += await opt_out_on_a_new_connection(two_workers, tenant, account, f"+3163000000{n}")
                    break
                except (AssertionError, KeyError, ValueError, httpx.HTTPError):
                    failures += 1  # a request on a connection the database just dropped fails, once per process
                    await asyncio.sleep(0.2)

        assert await feed.take(3, timeout=15) == after
    assert failures <= 2


async def test_a_subscriber_left_behind_by_a_burst_gets_every_event_from_the_table(
    tenant: Tenant, two_workers: str
) -> None:
    account = await tenant.create_account()
    tokens = [f"+3164000{n:04d}" for n in range(150)]
    async with subscribed(two_workers, tenant.reader_key) as feed:
        await asyncio.sleep(0.5)
        async with httpx.AsyncClient(base_url=two_workers, timeout=30) as http:
            writer = Tenant(
                api=ApiClient(http),
                units=tenant.units,
                keys=tenant.keys,
                organization_id=tenant.organization_id,
                admin_key=tenant.admin_key,
            )
            made = await asyncio.gather(*(writer.opt_out(account, token, ["SMS"]) for token in tokens))

        received = await feed.take(len(tokens), timeout=20)
        await feed.nothing_for(0.5)

    assert sorted(e["token"] for e in received) == tokens
    assert sorted(e["cursor"] for events in made for e in events) == sorted(e["cursor"] for e in received)
