"""Sequence values are taken at insert but seen at commit, out of order. A transaction that
wrote first and commits last must still reach every subscriber, in order, exactly once."""

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from app import ids
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork, UnitsOfWork
from app.enums import Channel, Role
from app.opt_outs.records import EventRecord
from app.opt_outs.service import OptOutCommand, opt_out_service
from tests.support.feed import subscribed
from tests.support.tenants import Tenant


async def opt_out_in(transaction: UnitOfWork, tenant: Tenant, account: str, token: str) -> list[EventRecord]:
    """An opt-out written in a transaction the test holds open, as a slow writer would."""
    writer = Actor(organization_id=tenant.organization_id, role=Role.WRITER)
    command = OptOutCommand(
        account_id=ids.decode("Account", account, field="account"), token=token, channels=[Channel.SMS]
    )
    return await opt_out_service.opt_out(transaction, writer, command)


async def test_an_event_committed_late_is_delivered_before_later_ones(
    tenant: Tenant, server_url: str, engine: AsyncEngine
) -> None:
    account = await tenant.create_account()

    async with subscribed(server_url, tenant.reader_key, {"fromBeginning": True}) as feed:
        async with UnitsOfWork(engine).write() as held:
            early = await opt_out_in(held, tenant, account, "+31600000001")  # written first, not yet committed
            later = []
            for n in range(2, 5):
                later += await tenant.opt_out(account, f"+3160000000{n}", ["SMS"])  # committed meanwhile

            # While the first writer is open, nothing after it may be delivered: it would be skipped.
            await feed.nothing_for(1.0)
        received = await feed.take(4)
        await feed.nothing_for(0.5)

    assert [e["token"] for e in received] == ["+31600000001", "+31600000002", "+31600000003", "+31600000004"]
    assert received[1:] == later
    assert received[0]["cursor"] == early[0].position.encode()


async def test_a_reader_resuming_mid_way_misses_nothing_committed_late(
    tenant: Tenant, server_url: str, engine: AsyncEngine
) -> None:
    account = await tenant.create_account()
    before = await tenant.opt_out(account, "+31600000000", ["SMS"])

    async with UnitsOfWork(engine).write() as held:
        await opt_out_in(held, tenant, account, "+31600000001")
        after = await tenant.opt_out(account, "+31600000002", ["SMS"])
        # A client that read up to here has seen only `before`: resuming from it must not lose the held event.
        async with subscribed(server_url, tenant.reader_key, {"after": before[0]["cursor"]}) as feed:
            await feed.nothing_for(0.5)
    async with subscribed(server_url, tenant.reader_key, {"after": before[0]["cursor"]}) as feed:
        received = await feed.take(2)

    assert [e["token"] for e in received] == ["+31600000001", "+31600000002"]
    assert received[1] == after[0]


async def test_many_concurrent_writers_reach_a_subscriber_once_each_in_order(tenant: Tenant, server_url: str) -> None:
    account = await tenant.create_account()
    tokens = [f"+316100{n:05d}" for n in range(120)]

    async with subscribed(server_url, tenant.reader_key) as feed:
        await asyncio.sleep(0.3)
        results = await asyncio.gather(*(tenant.opt_out(account, token, ["SMS"]) for token in tokens))
        received = await feed.take(len(tokens))
        await feed.nothing_for(0.5)

    assert sorted(e["token"] for e in received) == tokens
    assert len({e["cursor"] for e in received}) == len(tokens)
    made = {e["cursor"]: e for events in results for e in events}
    assert [made[e["cursor"]] for e in received] == received
