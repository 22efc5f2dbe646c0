"""Accounts with their own list (optOutScope ACCOUNT) are isolated from the organization list both ways."""

from tests.support.client import ApiClient
from tests.support.tenants import Tenant

CHECK = 'query($a: ID!) { checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31611111111"]) { optedOut } }'
AUDIENCE = (
    "query($a: ID!, $g: [ID!]!) { audience(accountId: $a, groupIds: $g, channel: SMS) { totalCount suppressedCount } }"
)
ORG_LIST = "{ optOuts { edges { node { token } } } }"


async def opted_out(api: ApiClient, key: str, account: str) -> bool:
    return bool((await api.graphql(CHECK, {"a": account}, key=key))["checkOptOuts"][0]["optedOut"])


async def test_organization_scoped_accounts_share_one_list(tenant: Tenant, api: ApiClient) -> None:
    a, c = await tenant.create_account(), await tenant.create_account()

    await tenant.opt_out(a, "+31611111111", ["SMS"])

    assert await opted_out(api, tenant.reader_key, c)
    assert (await api.graphql(ORG_LIST, key=tenant.reader_key))["optOuts"]["edges"] == [
        {"node": {"token": "+31611111111"}}
    ]


async def test_own_list_account_opt_outs_stay_in_its_list(tenant: Tenant, api: ApiClient) -> None:
    a, b = await tenant.create_account(), await tenant.create_account(scope="ACCOUNT")
    group_a, group_b = await tenant.create_group(a), await tenant.create_group(b)
    await tenant.create_contact(a, phone="+31611111111", groups=[group_a])
    await tenant.create_contact(b, phone="+31611111111", groups=[group_b])

    events = await tenant.opt_out(b, "+31611111111", ["SMS"])

    assert [e["scope"] for e in events] == ["ACCOUNT"]
    assert await opted_out(api, tenant.reader_key, b)
    assert not await opted_out(api, tenant.reader_key, a)
    assert (await api.graphql(ORG_LIST, key=tenant.reader_key))["optOuts"]["edges"] == []
    audience_a = (await api.graphql(AUDIENCE, {"a": a, "g": [group_a]}, key=tenant.reader_key))["audience"]
    audience_b = (await api.graphql(AUDIENCE, {"a": b, "g": [group_b]}, key=tenant.reader_key))["audience"]
    assert audience_a == {"totalCount": 1, "suppressedCount": 0}
    assert audience_b == {"totalCount": 0, "suppressedCount": 1}


async def test_organization_list_does_not_filter_an_own_list_account(tenant: Tenant, api: ApiClient) -> None:
    a, b = await tenant.create_account(), await tenant.create_account(scope="ACCOUNT")

    await tenant.opt_out(a, "+31611111111", ["SMS"])

    assert not await opted_out(api, tenant.reader_key, b)


async def test_account_key_of_an_own_list_account_reads_its_list(tenant: Tenant, api: ApiClient) -> None:
    a, b = await tenant.create_account(), await tenant.create_account(scope="ACCOUNT")
    await tenant.opt_out(a, "+31611111111", ["SMS"])
    await tenant.opt_out(b, "+31622222222", ["SMS"])
    key_b = await tenant.key("reader", b)

    data = await api.graphql(ORG_LIST, key=key_b)

    assert data["optOuts"]["edges"] == [{"node": {"token": "+31622222222"}}]
