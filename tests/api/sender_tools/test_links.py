"""optOutLink and unsubscribeHeaders: one short code per (account, token, channel), reused."""

import asyncio
import re

from tests.api.sender_tools.queries import HEADERS, LINK
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

CODE = re.compile(r"[0-9a-hjkmnp-tv-z]{10}")


async def link(api: ApiClient, key: str, account: str, token: str, channel: str) -> dict[str, str]:
    data = await api.graphql(LINK, {"a": account, "token": token, "channel": channel}, key=key)
    return dict(data["optOutLink"])


async def test_a_link_is_short_and_the_same_for_the_same_token_and_channel(
    tenant: Tenant, api: ApiClient, server_url: str
) -> None:
    account = await tenant.create_account()

    first = await link(api, tenant.reader_key, account, "+31612345678", "SMS")
    again = await link(api, tenant.reader_key, account, "0612345678", "SMS")  # the same number, national form
    whatsapp = await link(api, tenant.reader_key, account, "+31612345678", "WHATSAPP")
    other_account = await link(api, tenant.reader_key, await tenant.create_account(), "+31612345678", "SMS")

    assert CODE.fullmatch(first["code"]) and first["url"] == f"{server_url}/o/{first['code']}"
    assert again == first
    assert len({first["code"], whatsapp["code"], other_account["code"]}) == 3


async def test_unsubscribe_headers_name_the_email_link_and_one_click(
    tenant: Tenant, api: ApiClient, server_url: str
) -> None:
    account = await tenant.create_account()

    data = await api.graphql(HEADERS, {"a": account, "email": " Ann@Example.COM "}, key=tenant.reader_key)
    email_link = await link(api, tenant.reader_key, account, "ann@example.com", "EMAIL")

    assert data["unsubscribeHeaders"] == {
        "listUnsubscribe": f"<{email_link['url']}>",
        "listUnsubscribePost": "List-Unsubscribe=One-Click",
    }
    assert email_link["url"].startswith(f"{server_url}/o/")


async def test_tokens_of_the_wrong_kind_are_refused_naming_them(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    mismatch = await api.errors(
        LINK, {"a": account, "token": "ann@example.com", "channel": "SMS"}, key=tenant.reader_key
    )
    not_email = await api.errors(HEADERS, {"a": account, "email": "not-an-address"}, key=tenant.reader_key)

    assert (mismatch[0]["code"], mismatch[0]["field"]) == ("CHANNEL_MISMATCH", "channel")
    assert (not_email[0]["code"], not_email[0]["field"]) == ("INVALID_TOKEN", "email")
    assert '"not-an-address"' in not_email[0]["message"]


async def test_a_key_of_another_organization_or_account_gets_no_link(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient
) -> None:
    account, sibling = await tenant.create_account(), await tenant.create_account()
    account_key = await tenant.key("reader", account)

    foreign = await api.errors(
        LINK, {"a": account, "token": "+31612345678", "channel": "SMS"}, key=other_tenant.reader_key
    )
    sibling_errors = await api.errors(LINK, {"a": sibling, "token": "+31612345678", "channel": "SMS"}, key=account_key)

    assert foreign[0]["code"] == "NOT_FOUND" and sibling_errors[0]["code"] == "NOT_FOUND"
    assert CODE.fullmatch((await link(api, account_key, account, "+31612345678", "SMS"))["code"])


async def test_concurrent_requests_for_a_new_link_all_get_the_one_code(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    links = await asyncio.gather(*(link(api, tenant.reader_key, account, "+31687654321", "SMS") for _ in range(12)))

    assert len({found["code"] for found in links}) == 1
