import asyncio
from typing import Any

from tests.support.feed import subscribed
from tests.support.tenants import Tenant


async def test_live_events_arrive_with_every_field(tenant: Tenant, server_url: str) -> None:
    account = await tenant.create_account()
    async with subscribed(server_url, tenant.reader_key) as feed:
        await asyncio.sleep(0.3)  # the subscription is live once the server has read its position
        made = await tenant.opt_out(account, "+31612345678", ["SMS", "VOICE"], reason="STOP", source="KEYWORD")
        opted_in = await tenant.opt_in(account, "+31612345678", ["SMS"])

        received = await feed.take(3)

    assert received == made + opted_in


async def test_resume_after_a_cursor_replays_then_continues_live(tenant: Tenant, server_url: str) -> None:
    account = await tenant.create_account()
    first = await tenant.opt_out(account, "+31611111111", ["SMS"])
    missed = [
        *(await tenant.opt_out(account, "+31622222222", ["SMS"])),
        *(await tenant.opt_out(account, "+31633333333", ["WHATSAPP"])),
    ]

    async with subscribed(server_url, tenant.reader_key, {"after": first[0]["cursor"]}) as feed:
        replayed = await feed.take(2)
        live = await tenant.opt_out(account, "+31644444444", ["SMS"])
        continued = await feed.take(1)

    assert replayed == missed
    assert continued == live


async def test_from_beginning_replays_all_history(tenant: Tenant, server_url: str) -> None:
    account = await tenant.create_account()
    history = await tenant.opt_out(account, "+31611111111", ["SMS"])
    history += await tenant.opt_in(account, "+31611111111", ["SMS"])

    async with subscribed(server_url, tenant.reader_key, {"fromBeginning": True}) as feed:
        received = await feed.take(2)
        await feed.nothing_for(0.5)

    assert received == history


async def test_filters_by_account_channel_and_token_type(tenant: Tenant, server_url: str) -> None:
    shop, other = await tenant.create_account(scope="ACCOUNT"), await tenant.create_account()
    events: list[dict[str, Any]] = []
    events += await tenant.opt_out(shop, "+31611111111", ["SMS", "WHATSAPP"])
    events += await tenant.opt_out(other, "+31622222222", ["SMS"])
    events += await tenant.opt_out(shop, "a@example.com", ["EMAIL"])

    cases = [
        ({"accountIds": [shop]}, [e for e in events if e["accountId"] == shop]),
        ({"channels": ["WHATSAPP", "EMAIL"]}, [e for e in events if e["channel"] in ("WHATSAPP", "EMAIL")]),
        ({"tokenTypes": ["EMAIL"]}, [e for e in events if e["tokenType"] == "EMAIL"]),
        ({"accountIds": [shop], "channels": ["SMS"]}, [events[0]]),
    ]
    for filters, expected in cases:
        async with subscribed(server_url, tenant.reader_key, {"fromBeginning": True, **filters}) as feed:
            assert await feed.take(len(expected)) == expected, filters
            await feed.nothing_for(0.3)


async def test_a_key_sees_only_its_organization(tenant: Tenant, other_tenant: Tenant, server_url: str) -> None:
    mine, theirs = await tenant.create_account(), await other_tenant.create_account()
    async with subscribed(server_url, tenant.reader_key, {"fromBeginning": True}) as feed:
        await other_tenant.opt_out(theirs, "+31699999999", ["SMS"])
        own = await tenant.opt_out(mine, "+31611111111", ["SMS"])

        assert await feed.take(1) == own
        await feed.nothing_for(0.5)


async def test_an_account_key_sees_only_its_accounts_own_list(tenant: Tenant, server_url: str) -> None:
    mine, sibling = await tenant.create_account(scope="ACCOUNT"), await tenant.create_account()
    key = await tenant.key("reader", mine)
    await tenant.opt_out(sibling, "+31699999999", ["SMS"])  # the organization list
    own = await tenant.opt_out(mine, "+31611111111", ["SMS"])

    async with subscribed(server_url, key, {"fromBeginning": True}) as feed:
        assert await feed.take(1) == own
        await feed.nothing_for(0.5)


async def test_an_account_on_the_organization_list_hears_a_siblings_opt_out(tenant: Tenant, server_url: str) -> None:
    mine, sibling, isolated = (
        await tenant.create_account(),
        await tenant.create_account(),
        await tenant.create_account(scope="ACCOUNT"),
    )
    key = await tenant.key("reader", mine)
    check = 'query($a: ID!) { checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31699999999"]) { optedOut } }'

    async with (
        subscribed(server_url, key) as account_feed,
        subscribed(server_url, tenant.reader_key, {"accountIds": [mine]}) as filtered_feed,
    ):
        await asyncio.sleep(0.3)
        await tenant.opt_out(isolated, "+31688888888", ["SMS"])  # another list: not this account's concern
        theirs = await tenant.opt_out(sibling, "+31699999999", ["SMS"])

        # It suppresses this account's sends, so this account's subscribers hear of it.
        suppressed = await tenant.api.graphql(check, {"a": mine}, key=key)
        assert suppressed == {"checkOptOuts": [{"optedOut": True}]}
        assert await account_feed.take(1) == theirs
        assert await filtered_feed.take(1) == theirs
        await account_feed.nothing_for(0.3)
        await filtered_feed.nothing_for(0.1)


async def test_a_foreign_account_filter_is_refused(tenant: Tenant, other_tenant: Tenant, server_url: str) -> None:
    theirs = await other_tenant.create_account()

    async with subscribed(server_url, tenant.reader_key, {"accountIds": [theirs]}) as feed:
        errors = await feed.error()

    assert [(e["message"], e["extensions"]) for e in errors] == [
        (f'Account "{theirs}" does not exist.', {"code": "NOT_FOUND", "field": "accountIds.0"})
    ]


async def test_the_legacy_graphql_ws_protocol_works_too(tenant: Tenant, server_url: str) -> None:
    account = await tenant.create_account()
    made = await tenant.opt_out(account, "+31611111111", ["SMS"])

    async with subscribed(server_url, tenant.reader_key, {"fromBeginning": True}, protocol="graphql-ws") as feed:
        assert await feed.take(1) == made


async def test_a_malformed_cursor_or_account_id_is_a_clear_error(tenant: Tenant, server_url: str) -> None:
    cases = [
        ({"after": "garbage"}, ('"garbage" is not an event cursor.', {"code": "INVALID_CURSOR", "field": "after"})),
        (
            {"accountIds": ["acc_x"]},
            ('"acc_x" is not a valid Account id.', {"code": "INVALID_ID", "field": "accountIds.0"}),
        ),
    ]
    for variables, expected in cases:
        async with subscribed(server_url, tenant.reader_key, variables) as feed:
            errors = await feed.error()
        assert [(e["message"], e["extensions"]) for e in errors] == [expected]
