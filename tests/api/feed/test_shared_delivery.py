"""Subscribers with the same selection share one execution of each event
(graphql_schema/direct_delivery.py); each subscription must still get exactly its own result."""

import asyncio
from contextlib import AsyncExitStack
from typing import Any

from tests.support.feed import Subscription, subscribed
from tests.support.tenants import Tenant

PLAIN = "subscription { optOutEvents { token channel } }"
ALIASED = """
subscription($after: String) { e: optOutEvents(after: $after) { cursor ...Who } }
fragment Who on OptOutEvent { accountId token }"""
OPTIONAL = "subscription($full: Boolean!) { optOutEvents { token reason @include(if: $full) } }"
# Not a single plain root field: not shared, delivered the ordinary way.
ROOT_FRAGMENT = "subscription { ...Feed } fragment Feed on Subscription { optOutEvents { token channel } }"


def expected(query: str, variables: dict[str, Any], event: dict[str, Any]) -> dict[str, Any]:
    if query is PLAIN or query is ROOT_FRAGMENT:
        return {"optOutEvents": {"token": event["token"], "channel": event["channel"]}}
    if query is ALIASED:
        return {"e": {"cursor": event["cursor"], "accountId": event["accountId"], "token": event["token"]}}
    fields = {"token": event["token"], **({"reason": event["reason"]} if variables["full"] else {})}
    return {"optOutEvents": fields}


async def test_each_selection_gets_its_own_result_of_a_shared_event(tenant: Tenant, server_url: str) -> None:
    account = await tenant.create_account()
    earlier = await tenant.opt_out(account, "+31600000001", ["SMS"])
    cases: list[tuple[str, dict[str, Any], str]] = [
        (PLAIN, {}, "graphql-transport-ws"),
        (PLAIN, {}, "graphql-ws"),
        (ALIASED, {}, "graphql-transport-ws"),
        # Another cursor for the same selection: replays `earlier` first, then shares the live events.
        (ALIASED, {"after": "0.0"}, "graphql-ws"),
        (OPTIONAL, {"full": True}, "graphql-transport-ws"),
        (OPTIONAL, {"full": False}, "graphql-transport-ws"),
        (ROOT_FRAGMENT, {}, "graphql-transport-ws"),
    ]
    async with AsyncExitStack() as stack:
        feeds: list[Subscription] = [
            await stack.enter_async_context(
                subscribed(server_url, tenant.reader_key, variables, protocol=protocol, query=query)
            )
            for query, variables, protocol in cases
        ]
        await asyncio.sleep(0.3)  # live once the server has read its position
        made = await tenant.opt_out(account, "+31612345678", ["SMS", "VOICE"], reason="STOP")
        made += await tenant.opt_in(account, "+31612345678", ["SMS"])

        for (query, variables, protocol), feed in zip(cases, feeds, strict=True):
            events = (earlier if "after" in variables else []) + made
            received = [await feed.next_data() for _ in events]
            assert received == [expected(query, variables, event) for event in events], (query, variables, protocol)
            await feed.nothing_for(0.2)


async def test_an_account_key_and_an_organization_key_with_one_selection_see_their_own(
    tenant: Tenant, server_url: str
) -> None:
    mine, sibling = await tenant.create_account(scope="ACCOUNT"), await tenant.create_account()
    account_key = await tenant.key("reader", mine)
    async with (
        subscribed(server_url, account_key, query=PLAIN) as account_feed,
        subscribed(server_url, tenant.reader_key, query=PLAIN) as organization_feed,
    ):
        await asyncio.sleep(0.3)
        theirs = await tenant.opt_out(sibling, "+31622222222", ["SMS"])
        own = await tenant.opt_out(mine, "+31611111111", ["SMS"])

        assert [await account_feed.next_data() for _ in own] == [expected(PLAIN, {}, e) for e in own]
        await account_feed.nothing_for(0.3)
        both = theirs + own
        assert [await organization_feed.next_data() for _ in both] == [expected(PLAIN, {}, e) for e in both]
