from typing import Any

from app import ids
from app.db.unit_of_work import UnitsOfWork
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

AUDIENCE = """
query($a: ID!, $g: [ID!]!, $channel: Channel!, $purpose: Purpose, $first: Int, $after: String) {
  audience(accountId: $a, groupIds: $g, channel: $channel, purpose: $purpose, first: $first, after: $after) {
    totalCount suppressedCount
    edges { cursor node { contactId token viaBypassGroup } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def audience(api: ApiClient, key: str, **variables: Any) -> dict[str, Any]:
    variables.setdefault("channel", "SMS")
    return dict((await api.graphql(AUDIENCE, variables, key=key))["audience"])


def members(result: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(e["node"]["token"], e["node"]["viaBypassGroup"]) for e in result["edges"]]


async def test_members_with_a_token_minus_opted_out_deduplicated(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country="NL")
    customers, prospects = await tenant.create_group(account), await tenant.create_group(account)
    first = await tenant.create_contact(account, phone="0611111111", groups=[customers])
    await tenant.create_contact(account, phone="+31611111111", groups=[prospects])  # same number, other contact
    await tenant.create_contact(account, phone="0622222222", groups=[customers, prospects])
    await tenant.create_contact(account, phone="0633333333", groups=[prospects])
    await tenant.create_contact(account, email="mail.only@example.com", groups=[customers])
    await tenant.create_contact(account, phone="0644444444")  # in no group
    await tenant.opt_out(account, "0633333333", ["SMS"])

    result = await audience(api, tenant.reader_key, a=account, g=[customers, prospects])

    assert members(result) == [("+31611111111", False), ("+31622222222", False)]
    assert result["edges"][0]["node"]["contactId"] == min(first, result["edges"][0]["node"]["contactId"])
    assert (result["totalCount"], result["suppressedCount"]) == (2, 1)


async def test_opt_out_of_another_channel_does_not_suppress(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    await tenant.create_contact(account, phone="+31611111111", groups=[group])
    await tenant.opt_out(account, "+31611111111", ["WHATSAPP"])

    sms = await audience(api, tenant.reader_key, a=account, g=[group])
    whatsapp = await audience(api, tenant.reader_key, a=account, g=[group], channel="WHATSAPP")

    assert members(sms) == [("+31611111111", False)]
    assert (members(whatsapp), whatsapp["suppressedCount"]) == ([], 1)


async def test_requested_bypass_group_reaches_opted_out_members(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    customers = await tenant.create_group(account)
    staff = await tenant.create_group(account, bypass=True)
    await tenant.create_contact(account, phone="+31611111111", groups=[customers, staff])
    await tenant.create_contact(account, phone="+31622222222", groups=[customers])
    await tenant.create_contact(account, phone="+31633333333", groups=[staff])
    for token in ("+31611111111", "+31622222222"):
        await tenant.opt_out(account, token, ["SMS"])

    with_staff = await audience(api, tenant.reader_key, a=account, g=[customers, staff])
    without_staff = await audience(api, tenant.reader_key, a=account, g=[customers])

    assert members(with_staff) == [("+31611111111", True), ("+31633333333", False)]
    assert (with_staff["totalCount"], with_staff["suppressedCount"]) == (2, 1)
    # A bypass group that is not requested does not lift the filter.
    assert (members(without_staff), without_staff["suppressedCount"]) == ([], 2)


async def test_bypass_through_another_contact_with_the_same_token(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    customers = await tenant.create_group(account)
    staff = await tenant.create_group(account, bypass=True)
    await tenant.create_contact(account, phone="+31611111111", groups=[customers])
    await tenant.create_contact(account, phone="+31611111111", groups=[staff])
    await tenant.opt_out(account, "+31611111111", ["SMS"])

    result = await audience(api, tenant.reader_key, a=account, g=[customers, staff])

    assert members(result) == [("+31611111111", True)]


async def test_transactional_traffic_is_never_filtered(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    await tenant.create_contact(account, phone="+31611111111", groups=[group])
    await tenant.opt_out(account, "+31611111111", ["SMS"])

    result = await audience(api, tenant.reader_key, a=account, g=[group], purpose="TRANSACTIONAL")

    assert members(result) == [("+31611111111", False)]
    assert (result["totalCount"], result["suppressedCount"]) == (1, 0)


async def test_email_audience_uses_email_tokens(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    await tenant.create_contact(account, phone="+31611111111", email="B@example.com", groups=[group])
    await tenant.create_contact(account, email="a@example.com", groups=[group])
    await tenant.create_contact(account, email="c@example.com", groups=[group])
    await tenant.opt_out(account, "c@example.com", ["EMAIL"])

    result = await audience(api, tenant.reader_key, a=account, g=[group], channel="EMAIL")

    assert members(result) == [("a@example.com", False), ("b@example.com", False)]


async def test_pages_visit_every_member_exactly_once(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    even, odd = await tenant.create_group(account), await tenant.create_group(account)
    expected = []
    for n in range(40):
        token = f"+316{n:08d}"
        await tenant.create_contact(
            account,
            phone=token,
            groups=[even if n % 2 == 0 else odd, even] if n % 3 == 0 else [even if n % 2 == 0 else odd],
        )
        if n % 5 == 0:
            await tenant.opt_out(account, token, ["SMS"])
        else:
            expected.append(token)

    seen, after, pages = [], None, 0
    while True:
        page = await audience(api, tenant.reader_key, a=account, g=[even, odd], first=7, after=after)
        seen += [token for token, _ in members(page)]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == expected
    assert pages == 5 and page["totalCount"] == len(expected) == 32


async def test_unknown_or_foreign_group_is_a_clear_error(tenant: Tenant, other_tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    other_account = await tenant.create_account()
    mine = await tenant.create_group(account)
    other_accounts_group = await tenant.create_group(other_account)
    foreign = await other_tenant.create_group(await other_tenant.create_account())

    for group in (other_accounts_group, foreign):
        errors = await api.errors(AUDIENCE, {"a": account, "g": [mine, group], "channel": "SMS"}, key=tenant.reader_key)
        assert errors == [
            {"message": f'Group "{group}" does not exist in this account.', "code": "NOT_FOUND", "field": "groupIds.1"}
        ]


async def test_no_group_is_a_clear_error(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    errors = await api.errors(AUDIENCE, {"a": account, "g": [], "channel": "SMS"}, key=tenant.reader_key)

    assert errors == [{"message": "Name at least one group.", "code": "INVALID", "field": "groupIds"}]


async def test_pages_fill_up_past_long_runs_of_opted_out_members(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    expected = []
    for n in range(60):
        token = f"+316{n:08d}"
        await tenant.create_contact(account, phone=token, groups=[group])
        if n % 12 == 0:
            expected.append(token)
        else:
            await tenant.opt_out(account, token, ["SMS"])

    seen, after = [], None
    while True:
        page = await audience(api, tenant.reader_key, a=account, g=[group], first=2, after=after)
        assert len(page["edges"]) == 2 or not page["pageInfo"]["hasNextPage"]
        seen += [token for token, _ in members(page)]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == expected


async def test_many_contacts_sharing_one_number_are_one_member(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    for _ in range(25):
        await tenant.create_contact(account, phone="+31611111111", groups=[group])
    await tenant.create_contact(account, phone="+31622222222", groups=[group])

    result = await audience(api, tenant.reader_key, a=account, g=[group], first=1)
    rest = await audience(api, tenant.reader_key, a=account, g=[group], first=1, after=result["pageInfo"]["endCursor"])

    assert (members(result), result["pageInfo"]["hasNextPage"]) == ([("+31611111111", False)], True)
    assert (members(rest), rest["pageInfo"]["hasNextPage"]) == ([("+31622222222", False)], False)
    assert result["totalCount"] == 2


async def test_a_contacts_new_number_reaches_its_audiences(tenant: Tenant, api: ApiClient, units: UnitsOfWork) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    contact = await tenant.create_contact(account, phone="+31611111111", groups=[group])

    # No mutation edits a contact's number yet (imports will): change it as they will, in the table.
    async with units.write() as unit:
        await unit.connection.execute(
            "UPDATE contacts SET msisdn = '+31699999999' WHERE id = $1", ids.decode("Contact", contact, field="id")
        )

    assert members(await audience(api, tenant.reader_key, a=account, g=[group])) == [("+31699999999", False)]
