"""A revocation reaches every server process at once, whichever way it is made: the command
line writes the database alone, and two workers that each hold the key drop it, their open
WebSockets closed with 4403, long before their own timer would have looked again."""

import asyncio
from collections.abc import Iterator
from contextlib import AsyncExitStack

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from tests.cli.test_org_and_key import stoplist
from tests.conftest import PEPPER
from tests.support.feed import Subscription, subscribed
from tests.support.server import running_server
from tests.support.tenants import Tenant

WHO = {"query": "{ organization { id } }"}


@pytest.fixture(scope="module")
def two_workers(database_url: str) -> Iterator[str]:
    env = {
        "DATABASE_URL": database_url,
        "STOPLIST_API_KEY_PEPPER": PEPPER,
        "STOPLIST_KEY_CHECK_SECONDS": "300",  # only the revocation's notification can be in time
    }
    with running_server(env, workers=2) as server:
        yield server.url


async def statuses(url: str, key: str, count: int) -> set[int]:
    """Each request on a connection of its own, so that both processes answer some."""
    found = set()
    for _ in range(count):
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            found.add((await http.post("/graphql", json=WHO, headers={"authorization": f"Bearer {key}"})).status_code)
    return found


async def closed_with(feed: Subscription) -> int | None:
    try:
        await asyncio.wait_for(feed.next_data(), 5)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None
    return None


async def test_a_key_revoked_on_the_command_line_stops_on_every_process(
    tenant: Tenant, two_workers: str, database_url: str
) -> None:
    key = await tenant.key("reader")
    listed = stoplist(database_url, "key", "list", "--org", tenant.public_id, "--json")
    key_id = next(line for line in listed.stdout.splitlines() if f'"prefix": "{key[:10]}"' in line).split('"')[3]
    assert await statuses(two_workers, key, 12) == {200}  # resolved, and cached, in both processes
    async with AsyncExitStack() as stack:
        feeds = [await stack.enter_async_context(subscribed(two_workers, key)) for _ in range(8)]

        revoked = stoplist(database_url, "key", "revoke", key_id)
        codes = await asyncio.gather(*(closed_with(feed) for feed in feeds))

    assert revoked.returncode == 0, revoked.stderr
    assert codes == [4403] * 8
    assert await statuses(two_workers, key, 12) == {401}
