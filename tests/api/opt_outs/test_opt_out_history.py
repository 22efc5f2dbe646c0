from tests.support.client import ApiClient
from tests.support.tenants import Tenant

HISTORY = """
query($a: ID!, $token: String!, $first: Int, $after: String) {
  optOutHistory(accountId: $a, token: $token, first: $first, after: $after) {
    totalCount edges { cursor node { cursor channel action source reason } } pageInfo { hasNextPage endCursor }
  }
}"""


async def test_history_keeps_every_change_in_order(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country="NL")
    await tenant.opt_out(account, "+31612345678", ["SMS"], reason="STOP", source="KEYWORD")
    await tenant.opt_in(account, "+31612345678", ["SMS"], source="DASHBOARD")
    await tenant.opt_out(account, "+31612345678", ["SMS"], source="LINK")
    await tenant.opt_out(account, "+31699999999", ["SMS"])

    data = await api.graphql(HISTORY, {"a": account, "token": "06-12345678"}, key=tenant.reader_key)

    history = data["optOutHistory"]
    assert [(e["node"]["action"], e["node"]["source"], e["node"]["reason"]) for e in history["edges"]] == [
        ("OPT_OUT", "KEYWORD", "STOP"),
        ("OPT_IN", "DASHBOARD", None),
        ("OPT_OUT", "LINK", None),
    ]
    assert history["totalCount"] == 3
    assert all(e["cursor"] == e["node"]["cursor"] for e in history["edges"])


async def test_history_pages_by_event_cursor(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS", "VOICE", "RCS"])

    first = await api.graphql(HISTORY, {"a": account, "token": "+31612345678", "first": 2}, key=tenant.reader_key)
    rest = await api.graphql(
        HISTORY,
        {"a": account, "token": "+31612345678", "first": 2, "after": first["optOutHistory"]["pageInfo"]["endCursor"]},
        key=tenant.reader_key,
    )

    assert [e["node"]["channel"] for e in first["optOutHistory"]["edges"]] == ["RCS", "SMS"]
    assert first["optOutHistory"]["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["channel"] for e in rest["optOutHistory"]["edges"]] == ["VOICE"]
    assert rest["optOutHistory"]["pageInfo"]["hasNextPage"] is False


async def test_history_of_an_invalid_token_is_a_clear_error(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country="NL")

    errors = await api.errors(HISTORY, {"a": account, "token": "abc"}, key=tenant.reader_key)

    assert errors == [{"message": '"abc" is not a phone number.', "code": "INVALID_TOKEN", "field": "token"}]


async def test_malformed_history_cursor_is_a_clear_error(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    errors = await api.errors(HISTORY, {"a": account, "token": "+31612345678", "after": "12"}, key=tenant.reader_key)

    assert errors == [{"message": '"12" is not an event cursor.', "code": "INVALID_CURSOR", "field": "after"}]
