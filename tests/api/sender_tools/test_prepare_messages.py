"""prepareMessage(s): the instruction appended unless the body has a STOP clause, with the SMS
parts before and after; one link per recipient that needs one; bad numbers reported in place."""

import re

from tests.api.sender_tools.queries import PREPARE, PREPARE_MANY, SET_INSTRUCTION
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

DUTCH = "+31612345678"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/o/([0-9a-hjkmnp-tv-z]{10})$")


async def account_with_instruction(tenant: Tenant, text: str = "STOP naar 3010") -> str:
    account = await tenant.create_account()
    await tenant.api.graphql(SET_INSTRUCTION, {"a": account, "country": "NL", "text": text}, key=tenant.admin_key)
    return account


async def prepare(api: ApiClient, tenant: Tenant, account: str, body: str, to: str = DUTCH) -> dict:  # type: ignore[type-arg]
    data = await api.graphql(PREPARE, {"a": account, "to": to, "body": body}, key=tenant.reader_key)
    return dict(data["prepareMessage"])


async def test_the_instruction_is_appended_and_the_parts_counted(tenant: Tenant, api: ApiClient) -> None:
    account = await account_with_instruction(tenant)

    assert await prepare(api, tenant, account, "Sale! 20% off today.") == {
        "body": "Sale! 20% off today. STOP naar 3010",
        "appended": True,
        "encoding": "GSM-7",
        "segmentsBefore": 1,
        "segmentsAfter": 1,
        "encodingSwitched": False,
    }
    # 150 characters fit one part; with the instruction, 165 take two of 153.
    long = await prepare(api, tenant, account, "x" * 150)
    assert (long["segmentsBefore"], long["segmentsAfter"]) == (1, 2)


async def test_a_body_with_a_stop_clause_is_left_as_it_is(tenant: Tenant, api: ApiClient) -> None:
    account = await account_with_instruction(tenant)

    for body in ["Sale! Reply STOP to 3010 to opt out", "Sale! Stuur STOPALL naar 3010", "Sale! OPT-OUT: reply"]:
        prepared = await prepare(api, tenant, account, body)
        assert (prepared["body"], prepared["appended"]) == (body, False), body
    # "stop" in a sentence is no STOP clause.
    assert (await prepare(api, tenant, account, "Don't stop the deals!"))["appended"] is True


async def test_the_accounts_own_opt_out_keywords_make_a_stop_clause(tenant: Tenant, api: ApiClient) -> None:
    account = await account_with_instruction(tenant)
    await api.graphql(
        'mutation($a: ID!) { updateKeywords(accountId: $a, optOut: ["AFMELDEN"]) { errors { message } } }',
        {"a": account},
        key=tenant.admin_key,
    )

    assert (await prepare(api, tenant, account, "Sale! Sms AFMELDEN naar 3010"))["appended"] is False
    assert (await prepare(api, tenant, account, "Sale! Reply STOP"))["appended"] is True  # no longer a keyword


async def test_encodings_and_their_switch_are_reported(tenant: Tenant, api: ApiClient) -> None:
    account = await account_with_instruction(tenant, "Stop: antwoord STOP 😀")

    switched = await prepare(api, tenant, account, "Sale! " + "x" * 60)
    assert (switched["encoding"], switched["encodingSwitched"]) == ("UCS-2", True)
    assert (switched["segmentsBefore"], switched["segmentsAfter"]) == (1, 2)  # 66 + 1 + 22 UTF-16 units > 70
    # GSM-7's extension characters count double: 80 euro signs fill a part's 160 septets alone.
    euros = await prepare(api, tenant, account, "€" * 80 + " Reply STOP")
    assert (euros["encoding"], euros["segmentsBefore"]) == ("GSM-7", 2)


async def test_many_recipients_each_get_their_own_link_and_bad_numbers_are_reported(
    tenant: Tenant, api: ApiClient
) -> None:
    account = await account_with_instruction(tenant)
    to = [DUTCH, "+4915123456789", "not a number", "+4915123456780", "0612345679", "+4915123456789"]

    data = await api.graphql(PREPARE_MANY, {"a": account, "to": to, "body": "Sale!"}, key=tenant.reader_key)
    results = data["prepareMessages"]

    assert [result["to"] for result in results] == to
    assert results[0]["message"]["body"] == "Sale! STOP naar 3010"
    assert results[4]["message"]["body"] == "Sale! STOP naar 3010"  # national, read in NL
    assert results[2] == {
        "to": "not a number",
        "message": None,
        "error": {"field": "to.2", "code": "INVALID_TOKEN", "message": '"not a number" is not a phone number.'},
    }
    links = [LINK.search(results[index]["message"]["body"]) for index in (1, 3, 5)]
    assert all(links), results
    codes = [link.group(1) for link in links if link]
    assert codes[0] != codes[1] and codes[0] == codes[2]  # one code per number
    assert all(result["error"] is None for index, result in enumerate(results) if index != 2)


async def test_a_link_in_a_batch_is_the_link_of_that_number(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    batch = await api.graphql(PREPARE_MANY, {"a": account, "to": [DUTCH], "body": "Sale!"}, key=tenant.reader_key)
    single = await api.graphql(
        'query($a: ID!) { optOutLink(accountId: $a, token: "+31612345678", channel: SMS) { url } }',
        {"a": account},
        key=tenant.reader_key,
    )

    assert batch["prepareMessages"][0]["message"]["body"] == f"Sale! {single['optOutLink']['url']}"


async def test_more_than_a_thousand_recipients_are_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    errors = await api.errors(
        PREPARE_MANY, {"a": account, "to": [DUTCH] * 1_001, "body": "Sale!"}, key=tenant.reader_key
    )

    assert errors[0]["field"] == "to" and "1,001" in errors[0]["message"]


async def test_a_bad_single_number_is_an_error_naming_it(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    errors = await api.errors(PREPARE, {"a": account, "to": "12", "body": "Sale!"}, key=tenant.reader_key)

    assert errors[0]["field"] == "to" and errors[0]["code"] == "INVALID_TOKEN" and '"12"' in errors[0]["message"]


async def test_a_body_longer_than_a_gateway_takes_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    errors = await api.errors(PREPARE_MANY, {"a": account, "to": [DUTCH], "body": "x" * 1_601}, key=tenant.reader_key)

    assert errors[0]["field"] == "body" and "1,601" in errors[0]["message"] and "1,600" in errors[0]["message"]
