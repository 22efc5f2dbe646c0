from typing import Any

from tests.support.client import ApiClient
from tests.support.tenants import Tenant

OPT_OUTS = """
query($a: ID, $type: TokenType, $channel: Channel, $first: Int, $after: String) {
  optOuts(accountId: $a, tokenType: $type, channel: $channel, first: $first, after: $after) {
    totalCount edges { cursor node { token tokenType channel optedOut reason } } pageInfo { hasNextPage endCursor }
  }
}"""


async def all_pages(api: ApiClient, key: str, variables: dict[str, Any]) -> list[tuple[str, str]]:
    seen, after = [], None
    while True:
        page = (await api.graphql(OPT_OUTS, {**variables, "after": after}, key=key))["optOuts"]
        seen += [(e["node"]["token"], e["node"]["channel"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen
        after = page["pageInfo"]["endCursor"]


async def test_lists_opted_out_tokens_by_type_and_channel(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS", "VOICE"])
    await tenant.opt_out(account, "a@example.com", ["EMAIL"])
    await tenant.opt_out(account, "+31687654321", ["SMS"])
    await tenant.opt_in(account, "+31687654321", ["SMS"])

    msisdn = await api.graphql(OPT_OUTS, {"a": account, "type": "MSISDN"}, key=tenant.reader_key)
    sms = await api.graphql(OPT_OUTS, {"a": account, "channel": "SMS"}, key=tenant.reader_key)
    email = await api.graphql(OPT_OUTS, {"type": "EMAIL"}, key=tenant.reader_key)

    assert [(e["node"]["token"], e["node"]["channel"]) for e in msisdn["optOuts"]["edges"]] == [
        ("+31612345678", "SMS"),
        ("+31612345678", "VOICE"),
    ]
    assert msisdn["optOuts"]["totalCount"] == 2
    assert [e["node"]["token"] for e in sms["optOuts"]["edges"]] == ["+31612345678"]
    assert [e["node"]["token"] for e in email["optOuts"]["edges"]] == ["a@example.com"]


async def test_pages_visit_every_opted_out_token_exactly_once(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    tokens = [f"+3161234{n:04d}" for n in range(23)]
    for token in tokens:
        await tenant.opt_out(account, token, ["SMS"])

    seen = await all_pages(api, tenant.reader_key, {"a": account, "first": 5})

    assert seen == [(token, "SMS") for token in sorted(tokens)]


async def test_page_size_above_one_thousand_is_a_clear_error(tenant: Tenant, api: ApiClient) -> None:
    errors = await api.errors(OPT_OUTS, {"first": 1001}, key=tenant.reader_key)

    assert errors == [{"message": "first is 1001; it must be between 0 and 1000.", "code": "INVALID", "field": "first"}]


async def test_malformed_cursor_is_a_clear_error(tenant: Tenant, api: ApiClient) -> None:
    errors = await api.errors(OPT_OUTS, {"after": "garbage"}, key=tenant.reader_key)

    assert errors == [
        {"message": '"garbage" is not a cursor of this list.', "code": "INVALID_CURSOR", "field": "after"}
    ]
