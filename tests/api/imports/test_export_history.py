"""GET /exports/history: the opt-out and opt-in events the live feed gives a key for an account,
streamed oldest first, row for row what the GraphQL feed replays, evidence flattened, formulas
escaped; `since` keeps the later ones; no key sees another list's events."""

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from app import ids
from app.auth.actor import Actor
from app.db.unit_of_work import UnitsOfWork
from app.enums import Channel, Role
from app.opt_outs.service import OptOutCommand, opt_out_service
from tests.support.client import ApiClient
from tests.support.exports import as_csv, csv_rows, error_of, export, same_times, upload_opt_outs
from tests.support.feed import subscribed
from tests.support.tenants import Tenant

FEED = """
subscription($accountIds: [ID!]) { optOutEvents(fromBeginning: true, accountIds: $accountIds) {
  id accountId scope token tokenType channel action source reason occurredAt
  evidence { inboundText inboundMessageId campaign linkCode ipAddress userAgent consentEvidence }
} }"""
EVIDENCE = ["inboundText", "inboundMessageId", "campaign", "linkCode", "ipAddress", "userAgent", "consentEvidence"]
COLUMNS = [
    *["id", "accountId", "scope", "token", "tokenType", "channel", "action", "source", "reason", "occurredAt"],
    *EVIDENCE,
]


async def feed_events(server_url: str, key: str, count: int, account: str | None = None) -> list[dict[str, Any]]:
    """The whole replay of the feed: `count` events, and no more."""
    variables = {"accountIds": [account]} if account else {}
    async with subscribed(server_url, key, variables, query=FEED) as feed:
        # A long timeout: on a loaded machine a replay of thousands of events may pause.
        events = [dict((await feed.next_data(timeout=60))["optOutEvents"]) for _ in range(count)]
        await feed.nothing_for(0.3)
    return events


def as_row(event: dict[str, Any]) -> list[str]:
    evidence = event["evidence"] or {}
    return [as_csv(event[name]) for name in COLUMNS[:10]] + [as_csv(evidence.get(name)) for name in EVIDENCE]


def history(response: Any) -> list[list[Any]]:
    rows = csv_rows(response)
    assert rows[0] == COLUMNS
    return same_times(rows[1:], COLUMNS, ("occurredAt",))


async def test_a_csv_export_is_row_for_row_the_feed(tenant: Tenant, api: ApiClient, server_url: str) -> None:
    account = await tenant.create_account()
    await upload_opt_outs(
        api, tenant.writer_key, account, b"".join(b"+3162%07d\n" % n for n in range(11_000)), reason="=HYPERLINK(1)"
    )
    await tenant.opt_out(account, "ann@example.com", ["EMAIL"], campaign="@SUM(A1)", reason="-1")
    await tenant.opt_in(account, "+31620000001", ["SMS"])
    sms = {"accountId": account, "from": "+31633333333", "to": "3010", "body": "STOP", "messageId": "=gw"}
    posted = await api.http.post("/inbound/sms", json=sms, headers={"authorization": f"Bearer {tenant.writer_key}"})
    assert posted.status_code == 200, posted.text

    response = await export(api, tenant.reader_key, "/exports/history", accountId=account)

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="history.csv"'
    rows = history(response)
    events = await feed_events(server_url, tenant.reader_key, 11_003, account)
    assert rows == same_times([as_row(event) for event in events], COLUMNS, ("occurredAt",))
    assert rows[0][8] == "'=HYPERLINK(1)"
    assert rows[-3][COLUMNS.index("campaign")] == "'@SUM(A1)" and rows[-3][8] == "'-1"
    assert rows[-1][COLUMNS.index("inboundText")] == "STOP"
    assert rows[-1][COLUMNS.index("inboundMessageId")] == "'=gw"


async def test_since_keeps_the_events_from_then_on(tenant: Tenant, api: ApiClient, server_url: str) -> None:
    account = await tenant.create_account()
    for n in range(4):
        await tenant.opt_out(account, f"+3164000000{n}", ["SMS", "VOICE"])
    events = await feed_events(server_url, tenant.reader_key, 8, account)
    since = events[4]["occurredAt"]

    later = await export(api, tenant.reader_key, "/exports/history", accountId=account, since=since)
    as_utc = await export(api, tenant.reader_key, "/exports/history", accountId=account, since=since[:-6] + "Z")
    everything = await export(api, tenant.reader_key, "/exports/history", accountId=account, since="2000-01-01")

    moment = datetime.fromisoformat(since)
    expected = [as_row(event) for event in events if datetime.fromisoformat(event["occurredAt"]) >= moment]
    assert len(expected) == 4
    assert history(later) == history(as_utc) == same_times(expected, COLUMNS, ("occurredAt",))
    assert len(history(everything)) == 8


async def test_an_export_is_not_held_back_by_a_long_transaction(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient, engine: AsyncEngine
) -> None:
    account, elsewhere = await tenant.create_account(), await other_tenant.create_account()
    writer = Actor(organization_id=other_tenant.organization_id, role=Role.WRITER)
    command = OptOutCommand(
        account_id=ids.decode("Account", elsewhere, field="account"), token="+31699999999", channels=[Channel.SMS]
    )

    async with UnitsOfWork(engine).write() as held:  # a long import, say, in another organization
        await opt_out_service.opt_out(held, writer, command)
        committed = await tenant.opt_out(account, "+31611111111", ["SMS"])
        response = await export(api, tenant.reader_key, "/exports/history", accountId=account)

    # The feed holds this event back until the older writer ends; an export has no later to give it in.
    assert [row[0] for row in history(response)] == [committed[0]["id"]]


async def test_ndjson_carries_the_same_events(tenant: Tenant, api: ApiClient, server_url: str) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31611111111", ["SMS"], reason="=x")

    response = await export(api, tenant.reader_key, "/exports/history", accountId=account, format="ndjson")

    (event,) = await feed_events(server_url, tenant.reader_key, 1, account)
    (line,) = [orjson.loads(line) for line in response.text.splitlines()]
    assert {name: line[name] for name in COLUMNS[:9]} == {name: event[name] for name in COLUMNS[:9]}
    assert datetime.fromisoformat(line["occurredAt"]) == datetime.fromisoformat(event["occurredAt"])
    assert line["reason"] == "=x" and all(line[name] is None for name in EVIDENCE)


async def test_bad_parameters_are_refused_before_any_row(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    bad_since = await export(api, tenant.reader_key, "/exports/history", accountId=account, since="yesterday")
    too_early = await export(api, tenant.reader_key, "/exports/history", since="0001-01-01T00:00:00+01:00")
    bad_format = await export(api, tenant.reader_key, "/exports/history", accountId=account, format="xls")
    bad_id = await export(api, tenant.reader_key, "/exports/history", accountId="nope")
    keyless = await export(api, None, "/exports/history", accountId=account)

    assert bad_since.json() == {
        "error": {
            "code": "INVALID",
            "field": "since",
            "message": 'since is "yesterday"; it must be an ISO 8601 date and time, such as 2026-12-01T00:00:00Z.',
        }
    }
    assert error_of(too_early) == (400, "INVALID", "since")
    assert error_of(bad_format) == (400, "INVALID", "format") and '"xls"' in bad_format.json()["error"]["message"]
    assert error_of(bad_id) == (400, "INVALID_ID", "accountId") and '"nope"' in bad_id.json()["error"]["message"]
    assert keyless.status_code == 401


async def test_no_key_sees_another_lists_events(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient, server_url: str
) -> None:
    own, sibling = await tenant.create_account(scope="ACCOUNT"), await tenant.create_account(scope="ACCOUNT")
    await tenant.opt_out(own, "+31611111111", ["SMS"])
    await tenant.opt_out(sibling, "+31622222222", ["SMS"])
    await other_tenant.opt_out(await other_tenant.create_account(), "+31633333333", ["SMS"])
    own_key = await tenant.key("reader", own)
    missing = "acc_" + "0" * 32

    organization = await export(api, tenant.reader_key, "/exports/history")
    mine = await export(api, own_key, "/exports/history")
    sibling_through_mine = await export(api, own_key, "/exports/history", accountId=sibling)
    theirs = await export(api, other_tenant.reader_key, "/exports/history")
    foreign = await export(api, other_tenant.reader_key, "/exports/history", accountId=own)
    unknown = await export(api, other_tenant.reader_key, "/exports/history", accountId=missing)

    assert [row[3] for row in history(organization)] == ["+31611111111", "+31622222222"]
    assert [row[3] for row in history(mine)] == ["+31611111111"]
    assert history(mine) == same_times(
        [as_row(event) for event in await feed_events(server_url, own_key, 1)], COLUMNS, ("occurredAt",)
    )
    assert [row[3] for row in history(theirs)] == ["+31633333333"]
    for refused, account in ((sibling_through_mine, sibling), (foreign, own)):
        assert refused.json() == {
            "error": {"code": "NOT_FOUND", "field": "accountId", "message": f'Account "{account}" does not exist.'}
        }
    assert unknown.json()["error"]["message"] == f'Account "{missing}" does not exist.'
