"""optOutInsights over GraphQL: buckets on the account's wall clock, empty ones as zeros, split
by the dimensions asked for, bounded, and only ever of the caller's own list."""

from datetime import datetime
from typing import Any

import pytest

from tests.support.tenants import Tenant

INSIGHTS = """
query($a: ID!, $from: DateTime!, $to: DateTime!, $interval: InsightInterval, $groupBy: [InsightDimension!]) {
  optOutInsights(accountId: $a, from: $from, to: $to, interval: $interval, groupBy: $groupBy) {
    start channel source reason campaign optOuts optIns
  }
}"""
SET_ZONE = """
mutation($id: ID!, $zone: String) {
  updateAccount(id: $id, timeZone: $zone) { account { timeZone } errors { field code message } }
}"""


async def insights(tenant: Tenant, account: str, key: str | None = None, **variables: Any) -> list[dict[str, Any]]:
    answer = await tenant.api.graphql(INSIGHTS, {"a": account, **variables}, key=key or tenant.reader_key)
    return list(answer["optOutInsights"])


async def occurred(tenant: Tenant, events: list[dict[str, Any]], at: str) -> None:
    """Moves events to the time they are meant to have happened at: the API writes them now."""
    async with tenant.units.write() as unit:
        await unit.connection.execute(
            "UPDATE opt_out_events SET occurred_at = $1 WHERE id = ANY($2::bigint[])",
            datetime.fromisoformat(at),
            [int(e["id"].removeprefix("evt_")) for e in events],
        )


async def amsterdam_account(tenant: Tenant) -> str:
    account = await tenant.create_account()
    changed = await tenant.api.graphql(SET_ZONE, {"id": account, "zone": "Europe/Amsterdam"}, key=tenant.admin_key)
    assert changed["updateAccount"] == {"account": {"timeZone": "Europe/Amsterdam"}, "errors": []}
    return account


async def test_days_begin_at_the_accounts_midnight_and_empty_days_count_zero(tenant: Tenant) -> None:
    account = await amsterdam_account(tenant)
    late = await tenant.opt_out(account, "+31611110001", ["SMS"])
    after_midnight = await tenant.opt_out(account, "+31611110002", ["SMS"])
    third = await tenant.opt_out(account, "+31611110003", ["SMS"])
    back_in = await tenant.opt_in(account, "+31611110003", ["SMS"])
    await occurred(tenant, late, "2026-03-01T22:30:00+00:00")  # 23:30 in Amsterdam, still March 1
    await occurred(tenant, after_midnight, "2026-03-01T23:30:00+00:00")  # 00:30 on March 2
    await occurred(tenant, third, "2026-03-03T10:00:00+00:00")
    await occurred(tenant, back_in, "2026-03-03T11:00:00+00:00")

    days = await insights(tenant, account, **{"from": "2026-03-01T00:00:00+01:00", "to": "2026-03-05T00:00:00+01:00"})

    assert [(d["start"], d["optOuts"], d["optIns"]) for d in days] == [
        ("2026-02-28T23:00:00+00:00", 1, 0),
        ("2026-03-01T23:00:00+00:00", 1, 0),
        ("2026-03-02T23:00:00+00:00", 1, 1),
        ("2026-03-03T23:00:00+00:00", 0, 0),
    ]
    assert {(d["channel"], d["source"], d["reason"], d["campaign"]) for d in days} == {(None, None, None, None)}


async def test_hours_skip_the_one_summer_time_leaves_out(tenant: Tenant) -> None:
    account = await amsterdam_account(tenant)
    events = await tenant.opt_out(account, "+31611110004", ["SMS"])
    await occurred(tenant, events, "2026-03-29T01:30:00+00:00")  # 03:30 CEST, just after the change

    hours = await insights(
        tenant,
        account,
        **{"from": "2026-03-29T00:00:00+01:00", "to": "2026-03-29T05:00:00+02:00", "interval": "HOUR"},
    )

    assert [(h["start"], h["optOuts"]) for h in hours] == [
        ("2026-03-28T23:00:00+00:00", 0),
        ("2026-03-29T00:00:00+00:00", 0),
        ("2026-03-29T01:00:00+00:00", 1),
        ("2026-03-29T02:00:00+00:00", 0),
    ]


async def test_grouped_buckets_list_each_channel_source_reason_and_campaign_with_events(tenant: Tenant) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31611110005", ["SMS", "WHATSAPP"], source="KEYWORD", reason="STOP")
    await tenant.opt_out(account, "+31611110006", ["SMS"], campaign="black-friday")
    await tenant.opt_out(account, "+31611110007", ["SMS"], campaign="black-friday")
    await tenant.opt_in(account, "+31611110007", ["SMS"])
    today = {"from": "2026-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z", "interval": "MONTH"}

    by_channel = await insights(tenant, account, **today, groupBy=["CHANNEL"])
    by_all = await insights(tenant, account, **today, groupBy=["SOURCE", "REASON", "CAMPAIGN", "CHANNEL"])

    assert [(b["channel"], b["optOuts"], b["optIns"]) for b in by_channel] == [("SMS", 3, 1), ("WHATSAPP", 1, 0)]
    assert len({b["start"] for b in by_channel}) == 1 and by_channel[0]["source"] is None
    rows = [(b["source"], b["reason"], b["campaign"], b["channel"], b["optOuts"], b["optIns"]) for b in by_all]
    assert len(rows) == len(set(rows)) == 4
    assert set(rows) == {
        ("API", None, None, "SMS", 0, 1),
        ("API", None, "black-friday", "SMS", 2, 0),
        ("KEYWORD", "STOP", None, "SMS", 1, 0),
        ("KEYWORD", "STOP", None, "WHATSAPP", 1, 0),
    }


@pytest.mark.parametrize(
    ("variables", "field", "code"),
    [
        ({"from": "2026-03-02T00:00:00Z", "to": "2026-03-01T00:00:00Z"}, "to", "INVALID"),
        ({"from": "2026-03-01T00:00:00", "to": "2026-03-02T00:00:00Z"}, "from", "INVALID"),
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z", "interval": "HOUR"}, "interval", "INVALID"),
        ({"from": "0001-01-01T00:00:00+14:00", "to": "2026-01-01T00:00:00Z", "interval": "MONTH"}, "from", "INVALID"),
    ],
)
async def test_a_range_it_cannot_answer_is_refused_naming_the_argument(
    tenant: Tenant, variables: dict[str, str], field: str, code: str
) -> None:
    account = await tenant.create_account()

    errors = await tenant.api.errors(INSIGHTS, {"a": account, **variables}, key=tenant.reader_key)

    assert [(e["code"], e["field"]) for e in errors] == [(code, field)]


async def test_an_unknown_time_zone_is_refused_and_the_account_keeps_its_own(tenant: Tenant) -> None:
    account = await tenant.create_account()

    refused = await tenant.api.graphql(SET_ZONE, {"id": account, "zone": "Mars/Olympus"}, key=tenant.admin_key)
    unchanged = await tenant.api.graphql(SET_ZONE, {"id": account, "zone": None}, key=tenant.admin_key)

    [error] = refused["updateAccount"]["errors"]
    assert (error["field"], error["code"]) == ("timeZone", "INVALID") and '"Mars/Olympus"' in error["message"]
    assert unchanged["updateAccount"]["account"] == {"timeZone": "UTC"}


async def test_insights_show_only_the_lists_the_key_may_read(tenant: Tenant, other_tenant: Tenant) -> None:
    shared = await tenant.create_account()
    isolated = await tenant.create_account(scope="ACCOUNT")
    await tenant.opt_out(isolated, "+31611110008", ["SMS"])
    sibling_key = await tenant.key("reader", isolated)
    whole = {"from": "2026-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z", "interval": "MONTH"}

    on_shared = await insights(tenant, shared, **whole)
    on_isolated = await insights(tenant, isolated, **whole)
    foreign = await tenant.api.errors(INSIGHTS, {"a": isolated, **whole}, key=other_tenant.reader_key)
    sibling = await tenant.api.errors(INSIGHTS, {"a": shared, **whole}, key=sibling_key)

    assert sum(b["optOuts"] for b in on_shared) == 0  # the isolated account's opt-out stays in its own list
    assert sum(b["optOuts"] for b in on_isolated) == 1
    assert [e["code"] for e in foreign] == [e["code"] for e in sibling] == ["NOT_FOUND"]
