from tests.support.client import ApiClient
from tests.support.tenants import Tenant

CHECK = "query($a: ID!, $t: [String!]!) { checkOptOuts(accountId: $a, channel: SMS, tokens: $t) { optedOut } }"


async def test_opt_in_after_opt_out_records_an_event_and_clears_the_state(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS", "WHATSAPP"])

    events = await tenant.opt_in(account, "+31612345678", ["SMS"], reason="START received", source="KEYWORD")

    assert [(e["channel"], e["action"], e["reason"], e["source"]) for e in events] == [
        ("SMS", "OPT_IN", "START received", "KEYWORD")
    ]
    data = await api.graphql(CHECK, {"a": account, "t": ["+31612345678"]}, key=tenant.reader_key)
    assert data["checkOptOuts"] == [{"optedOut": False}]


async def test_opt_in_of_a_token_not_opted_out_changes_nothing(tenant: Tenant) -> None:
    account = await tenant.create_account()

    assert await tenant.opt_in(account, "+31612345678", ["SMS"]) == []


async def test_opt_out_again_after_opt_in_is_a_new_event(tenant: Tenant) -> None:
    account = await tenant.create_account()
    first = await tenant.opt_out(account, "+31612345678", ["SMS"])
    await tenant.opt_in(account, "+31612345678", ["SMS"])

    again = await tenant.opt_out(account, "+31612345678", ["SMS"])

    assert len(again) == 1 and again[0]["cursor"] != first[0]["cursor"]
