"""Consent topics over GraphQL: an account's campaign types, made and changed by admins, read by
its keys, retired rather than deleted, and never reachable from another account or organization."""

from typing import Any

import pytest

from tests.support.tenants import Tenant

TOPICS = "query($a: ID!) { consentTopics(accountId: $a) { id name channels validForDays retired } }"
CREATE = """
mutation($a: ID!, $name: String!, $channels: [Channel!]!, $days: Int) {
  createConsentTopic(accountId: $a, name: $name, channels: $channels, validForDays: $days) {
    topic { id name channels validForDays retired } errors { field code message }
  }
}"""
UPDATE_NAME = """
mutation($id: ID!, $name: String) {
  updateConsentTopic(id: $id, name: $name) { topic { id name validForDays retired } errors { field code message } }
}"""
UPDATE_DAYS = """
mutation($id: ID!, $days: Int) {
  updateConsentTopic(id: $id, validForDays: $days) { topic { name validForDays retired } errors { field code } }
}"""
RETIRE = """
mutation($id: ID!, $retired: Boolean) {
  updateConsentTopic(id: $id, retired: $retired) { topic { name retired } errors { field code message } }
}"""


async def create(
    tenant: Tenant, account: str, name: str, channels: list[str], days: int | None = None, **kw: Any
) -> Any:
    variables = {"a": account, "name": name, "channels": channels, "days": days}
    return (await tenant.api.graphql(CREATE, variables, key=kw.get("key") or tenant.admin_key))["createConsentTopic"]


async def test_topics_are_made_renamed_given_a_validity_and_retired(tenant: Tenant) -> None:
    account = await tenant.create_account()
    made = await create(tenant, account, "  Promotions ", ["SMS", "WHATSAPP", "SMS"], 365)
    reminders = await create(tenant, account, "Reminders", ["SMS"])
    topic = made["topic"]["id"]

    renamed = await tenant.api.graphql(UPDATE_NAME, {"id": topic, "name": "Offers"}, key=tenant.admin_key)
    unlimited = await tenant.api.graphql(UPDATE_DAYS, {"id": topic, "days": None}, key=tenant.admin_key)
    retired = await tenant.api.graphql(RETIRE, {"id": reminders["topic"]["id"], "retired": True}, key=tenant.admin_key)
    listed = await tenant.api.graphql(TOPICS, {"a": account}, key=tenant.reader_key)

    assert made["errors"] == [] and made["topic"]["name"] == "Promotions"
    assert made["topic"]["channels"] == ["SMS", "WHATSAPP"] and made["topic"]["validForDays"] == 365
    assert renamed["updateConsentTopic"]["topic"] == {
        "id": topic,
        "name": "Offers",
        "validForDays": 365,
        "retired": False,
    }
    assert unlimited["updateConsentTopic"]["topic"]["validForDays"] is None
    assert retired["updateConsentTopic"]["topic"] == {"name": "Reminders", "retired": True}
    assert [(t["name"], t["retired"]) for t in listed["consentTopics"]] == [("Offers", False), ("Reminders", True)]


async def test_a_name_in_use_is_refused_but_a_retired_topics_name_may_be_reused(tenant: Tenant) -> None:
    account = await tenant.create_account()
    first = (await create(tenant, account, "News", ["EMAIL"]))["topic"]["id"]

    again = await create(tenant, account, "news", ["SMS"])
    await tenant.api.graphql(RETIRE, {"id": first, "retired": True}, key=tenant.admin_key)
    reused = await create(tenant, account, "News", ["SMS"])
    restored = await tenant.api.graphql(RETIRE, {"id": first, "retired": False}, key=tenant.admin_key)

    assert [(e["field"], e["code"]) for e in again["errors"]] == [("name", "DUPLICATE")]
    assert reused["errors"] == []
    [conflict] = restored["updateConsentTopic"]["errors"]
    assert (conflict["field"], conflict["code"]) == ("name", "DUPLICATE") and '"News"' in conflict["message"]


@pytest.mark.parametrize(
    ("name", "channels", "days", "field"),
    [
        ("", ["SMS"], None, "name"),
        ("x" * 201, ["SMS"], None, "name"),
        ("Promotions", [], None, "channels"),
        ("Promotions", ["SMS"], 0, "validForDays"),
        ("Promotions", ["SMS"], 36_501, "validForDays"),
    ],
)
async def test_bad_input_is_refused_naming_the_field(
    tenant: Tenant, name: str, channels: list[str], days: int | None, field: str
) -> None:
    account = await tenant.create_account()

    refused = await create(tenant, account, name, channels, days)

    assert refused["topic"] is None and [(e["field"], e["code"]) for e in refused["errors"]] == [(field, "INVALID")]


async def test_only_admins_change_topics_and_no_key_reaches_another_accounts(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    account = await tenant.create_account()
    sibling = await tenant.create_account()
    topic = (await create(tenant, account, "Promotions", ["SMS"]))["topic"]["id"]
    sibling_admin = await tenant.key("admin", sibling)

    by_writer = await create(tenant, account, "Product news", ["SMS"], key=tenant.writer_key)
    by_sibling = await create(tenant, account, "Product news", ["SMS"], key=sibling_admin)
    renamed_by_sibling = await tenant.api.graphql(UPDATE_NAME, {"id": topic, "name": "Mine"}, key=sibling_admin)
    renamed_by_other = await tenant.api.graphql(UPDATE_NAME, {"id": topic, "name": "Mine"}, key=other_tenant.admin_key)
    listed_by_other = await tenant.api.errors(TOPICS, {"a": account}, key=other_tenant.reader_key)
    listed = await tenant.api.graphql(TOPICS, {"a": account}, key=tenant.reader_key)

    assert [e["code"] for e in by_writer["errors"]] == ["FORBIDDEN"]
    assert [e["code"] for e in by_sibling["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in renamed_by_sibling["updateConsentTopic"]["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in renamed_by_other["updateConsentTopic"]["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in listed_by_other] == ["NOT_FOUND"]
    assert [t["name"] for t in listed["consentTopics"]] == ["Promotions"]
