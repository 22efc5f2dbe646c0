"""Opt-out instructions per country, the account's default, and the link where neither applies."""

import re

from tests.api.sender_tools.queries import INSTRUCTION, SET_INSTRUCTION
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

DUTCH = "+31612345678"
GERMAN = "+4915123456789"
LINK = re.compile(r"http://127\.0\.0\.1:\d+/o/[0-9a-hjkmnp-tv-z]{10}")


async def set_instruction(tenant: Tenant, account: str, country: str, text: str) -> dict:  # type: ignore[type-arg]
    data = await tenant.api.graphql(
        SET_INSTRUCTION, {"a": account, "country": country, "text": text}, key=tenant.admin_key
    )
    return dict(data["setOptOutInstruction"])


async def instruction(api: ApiClient, tenant: Tenant, account: str, number: str, sender: str | None = None) -> str:
    data = await api.graphql(INSTRUCTION, {"a": account, "n": number, "sender": sender}, key=tenant.reader_key)
    return str(data["optOutInstruction"])


async def test_the_country_of_the_number_picks_its_instruction(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await set_instruction(tenant, account, "NL", "STOP? SMS STOP naar 3010")
    payload = await set_instruction(tenant, account, "de", "Abmelden: STOP an 3010")

    assert payload["account"]["optOutInstructions"] == [
        {"country": "DE", "text": "Abmelden: STOP an 3010"},
        {"country": "NL", "text": "STOP? SMS STOP naar 3010"},
    ]
    assert await instruction(api, tenant, account, DUTCH) == "STOP? SMS STOP naar 3010"
    assert await instruction(api, tenant, account, GERMAN) == "Abmelden: STOP an 3010"
    # A national number is read in the account's default country (NL).
    assert await instruction(api, tenant, account, "0612345678") == "STOP? SMS STOP naar 3010"


async def test_a_country_without_one_gets_the_default_and_else_a_link(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await set_instruction(tenant, account, "NL", "STOP naar 3010")

    first = await instruction(api, tenant, account, GERMAN)
    assert LINK.fullmatch(first), first
    assert await instruction(api, tenant, account, GERMAN) == first  # the same link every time
    assert await instruction(api, tenant, account, "+4915123456780") != first  # another number, another link

    await set_instruction(tenant, account, "*", "Reply STOP to opt out")
    assert await instruction(api, tenant, account, GERMAN) == "Reply STOP to opt out"
    assert await instruction(api, tenant, account, DUTCH) == "STOP naar 3010"


async def test_an_alphanumeric_sender_gets_the_link_and_a_number_the_instruction(
    tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()
    await set_instruction(tenant, account, "NL", "STOP naar 3010")

    assert LINK.fullmatch(await instruction(api, tenant, account, DUTCH, sender="ShopCo"))
    assert await instruction(api, tenant, account, DUTCH, sender="3010") == "STOP naar 3010"
    assert await instruction(api, tenant, account, DUTCH, sender="+31612000000") == "STOP naar 3010"


async def test_a_text_with_the_link_placeholder_gets_the_recipients_link(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await set_instruction(tenant, account, "*", "Afmelden: {link}")

    text = await instruction(api, tenant, account, DUTCH, sender="ShopCo")

    prefix, url = text.split(" ", 1)
    assert prefix == "Afmelden:" and LINK.fullmatch(url), text


async def test_an_empty_text_removes_the_instruction(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await set_instruction(tenant, account, "NL", "STOP naar 3010")

    payload = await set_instruction(tenant, account, "NL", "  ")

    assert payload["account"]["optOutInstructions"] == []
    assert LINK.fullmatch(await instruction(api, tenant, account, DUTCH))


async def test_bad_countries_texts_and_roles_are_refused_naming_them(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    assert (await set_instruction(tenant, account, "Netherlands", "STOP"))["errors"] == [
        {"field": "country", "code": "INVALID", "message": '"Netherlands" is not an ISO 3166 alpha-2 country code.'}
    ]
    assert (await set_instruction(tenant, account, "NL", "x" * 161))["errors"] == [
        {"field": "text", "code": "INVALID", "message": "The text is 161 characters long; at most 160 are allowed."}
    ]
    writer = await api.graphql(SET_INSTRUCTION, {"a": account, "country": "NL", "text": "STOP"}, key=tenant.writer_key)
    assert writer["setOptOutInstruction"]["errors"][0]["code"] == "FORBIDDEN"
    errors = await api.errors(INSTRUCTION, {"a": account, "n": "12"}, key=tenant.reader_key)
    assert errors[0]["field"] == "phoneNumber" and '"12"' in errors[0]["message"]
    errors = await api.errors(INSTRUCTION, {"a": account, "n": DUTCH, "sender": "A" * 17}, key=tenant.reader_key)
    assert errors[0]["field"] == "sender"


async def test_another_organizations_account_is_not_found(tenant: Tenant, other_tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await set_instruction(tenant, account, "NL", "STOP naar 3010")

    refused = await other_tenant.api.graphql(
        SET_INSTRUCTION, {"a": account, "country": "NL", "text": "hijacked"}, key=other_tenant.admin_key
    )
    errors = await api.errors(INSTRUCTION, {"a": account, "n": DUTCH}, key=other_tenant.reader_key)

    assert refused["setOptOutInstruction"]["errors"][0]["code"] == "NOT_FOUND"
    assert errors[0]["code"] == "NOT_FOUND"
    assert await instruction(api, tenant, account, DUTCH) == "STOP naar 3010"


async def test_an_account_key_sets_and_reads_its_own_account_only(tenant: Tenant, api: ApiClient) -> None:
    account, sibling = await tenant.create_account(), await tenant.create_account()
    await set_instruction(tenant, sibling, "NL", "STOP naar 3010")
    admin_of_account = await tenant.key("admin", account)

    refused = await api.graphql(
        SET_INSTRUCTION, {"a": sibling, "country": "NL", "text": "changed"}, key=admin_of_account
    )
    unseen = await api.errors(INSTRUCTION, {"a": sibling, "n": DUTCH}, key=admin_of_account)
    own = await api.graphql(SET_INSTRUCTION, {"a": account, "country": "*", "text": "Reply STOP"}, key=admin_of_account)

    assert refused["setOptOutInstruction"]["errors"][0]["code"] == "NOT_FOUND"
    assert unseen[0]["code"] == "NOT_FOUND"
    assert own["setOptOutInstruction"]["errors"] == []
    assert await instruction(api, tenant, sibling, DUTCH) == "STOP naar 3010"
    assert await instruction(api, tenant, sibling, GERMAN) != "Reply STOP"
