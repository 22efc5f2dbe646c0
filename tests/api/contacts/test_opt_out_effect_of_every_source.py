"""The account's onOptOut (KEEP, REMOVE_FROM_GROUPS, DELETE_CONTACT) applies to every opt-out,
whatever made it: the API, an inbound STOP, an opt-out link, an upload; the history stays."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.api.opt_out_pages.links import make_link, new_address
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

NUMBER = "+31611111111"
CONTACTS = """query($a: ID!) { contacts(accountId: $a) { totalCount edges { node { phoneNumber groups { id } } } } }"""
HISTORY = """query($a: ID!) { optOutHistory(accountId: $a, token: "+31611111111") {
  edges { node { action source } } } }"""
UPDATE = "mutation($id: ID!, $e: ContactOptOutEffect!) { updateAccount(id: $id, onOptOut: $e) { errors { code } } }"

OptOut = Callable[[Tenant, ApiClient, str], Awaitable[None]]


async def by_api(tenant: Tenant, api: ApiClient, account: str) -> None:
    await tenant.opt_out(account, NUMBER, ["SMS"])


async def by_keyword(tenant: Tenant, api: ApiClient, account: str) -> None:
    body = {"accountId": account, "from": NUMBER, "to": "3010", "body": "STOP"}
    response = await api.http.post("/inbound/sms", json=body, headers={"authorization": f"Bearer {tenant.writer_key}"})
    assert response.status_code == 200, response.text


async def by_link(tenant: Tenant, api: ApiClient, account: str) -> None:
    link = await make_link(tenant, account, NUMBER, "SMS")
    async with httpx.AsyncClient(headers={"x-forwarded-for": new_address()}, timeout=30) as browser:
        response = await browser.post(link["url"], data={"action": "opt_out"})
    assert response.status_code == 200, response.text


async def by_upload(tenant: Tenant, api: ApiClient, account: str) -> None:
    response = await api.http.post(
        "/imports/optouts",
        params={"accountId": account, "channel": "SMS"},
        content=NUMBER.encode(),
        headers={"authorization": f"Bearer {tenant.writer_key}"},
    )
    assert response.json()["optedOut"] == 1, response.text


SOURCES = {"API": by_api, "KEYWORD": by_keyword, "LINK": by_link, "UPLOAD": by_upload}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("effect", ["KEEP", "REMOVE_FROM_GROUPS", "DELETE_CONTACT"])
async def test_the_effect_applies_whatever_made_the_opt_out(
    tenant: Tenant, api: ApiClient, source: str, effect: str
) -> None:
    account = await tenant.create_account()
    assert (await api.graphql(UPDATE, {"id": account, "e": effect}, key=tenant.admin_key))["updateAccount"] == {
        "errors": []
    }
    group = await tenant.create_group(account)
    await tenant.create_contact(account, phone=NUMBER, groups=[group])
    await tenant.create_contact(account, phone="+31622222222", groups=[group])  # untouched by any effect

    await SOURCES[source](tenant, api, account)

    contacts = (await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key))["contacts"]
    left = {edge["node"]["phoneNumber"]: edge["node"]["groups"] for edge in contacts["edges"]}
    expected = {
        "KEEP": {NUMBER: [{"id": group}], "+31622222222": [{"id": group}]},
        "REMOVE_FROM_GROUPS": {NUMBER: [], "+31622222222": [{"id": group}]},
        "DELETE_CONTACT": {"+31622222222": [{"id": group}]},
    }[effect]
    assert left == expected
    history = await api.graphql(HISTORY, {"a": account}, key=tenant.reader_key)
    assert [edge["node"] for edge in history["optOutHistory"]["edges"]] == [{"action": "OPT_OUT", "source": source}]
