"""GET /exports/inbound: an account's inbound messages and what each did, streamed newest first,
row for row what the GraphQL `inboundMessages` pages give, formulas escaped; `since` and
`needsReview` narrow it; other accounts' messages are never seen."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from app import ids
from app.inbound.repository import InboundRecord, InboundRepository
from tests.support.client import ApiClient
from tests.support.exports import as_csv, csv_rows, error_of, export, pages, same_times
from tests.support.tenants import Tenant

INBOUND = """
query($a: ID!, $review: Boolean, $after: String) {
  inboundMessages(accountId: $a, needsReview: $review, first: 1000, after: $after) {
    edges { node { id from to body action needsReview reason reply messageId receivedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""
COLUMNS = ["id", "from", "to", "body", "action", "needsReview", "reason", "reply", "messageId", "receivedAt"]
START = datetime(2026, 1, 1, tzinfo=UTC)


async def receive(api: ApiClient, tenant: Tenant, account: str, body: str, **extra: Any) -> None:
    sms = {"accountId": account, "from": "+31611111111", "to": "3010", "body": body, **extra}
    response = await api.http.post("/inbound/sms", json=sms, headers={"authorization": f"Bearer {tenant.writer_key}"})
    assert response.status_code == 200, response.text


async def store(tenant: Tenant, account: str, count: int) -> None:
    """Many plain messages, a minute apart from START on, stored as the route stores them."""
    account_id = ids.decode("Account", account, field="accountId")
    async with tenant.units.write() as unit:
        repository = InboundRepository(unit.connection)
        for n in range(count):
            message = InboundRecord(
                id=uuid4(),
                account_id=account_id,
                sender=f"+3162{n:07d}",
                recipient="3010",
                body=f"hello {n}",
                gateway_message_id=None,
                action="NONE",
                needs_review=False,
                reason=None,
                reply=None,
                received_at=START + timedelta(minutes=n),
            )
            assert await repository.add(tenant.organization_id, message) is not None


def as_rows(nodes: list[dict[str, Any]]) -> list[list[Any]]:
    return same_times([[as_csv(node[name]) for name in COLUMNS] for node in nodes], COLUMNS, ("receivedAt",))


def inbound(response: Any) -> list[list[Any]]:
    rows = csv_rows(response)
    assert rows[0] == COLUMNS
    return same_times(rows[1:], COLUMNS, ("receivedAt",))


async def test_a_csv_export_is_row_for_row_the_graphql_messages(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await store(tenant, account, 6_000)
    await receive(api, tenant, account, "STOP", messageId="gw-1")
    await receive(api, tenant, account, "=HYPERLINK(1)", messageId="-gw-2")
    await receive(api, tenant, account, "HELP")

    response = await export(api, tenant.reader_key, "/exports/inbound", accountId=account)

    assert response.headers["content-disposition"] == 'attachment; filename="inbound.csv"'
    rows = inbound(response)
    expected = await pages(api, tenant.reader_key, INBOUND, {"a": account}, "inboundMessages")
    assert len(expected) == 6_003 and rows == as_rows(expected)
    help_reply, formula, stop = rows[:3]
    assert (stop[3], stop[4], stop[6], stop[8]) == ("STOP", "OPT_OUT", "STOP", "gw-1")
    assert (formula[3], formula[4], formula[5], formula[8]) == ("'=HYPERLINK(1)", "NONE", "false", "'-gw-2")
    assert help_reply[4] == "HELP" and help_reply[7] != ""


async def test_since_and_needs_review_narrow_it(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await store(tenant, account, 30)
    await receive(api, tenant, account, "enough already")

    since = (START + timedelta(minutes=20)).isoformat()
    recent = await export(api, tenant.reader_key, "/exports/inbound", accountId=account, since=since)
    naive = await export(api, tenant.reader_key, "/exports/inbound", accountId=account, since="2026-01-01T00:20:00")
    waiting = await export(api, tenant.reader_key, "/exports/inbound", accountId=account, needsReview="true")
    settled = await export(
        api, tenant.reader_key, "/exports/inbound", accountId=account, needsReview="false", since=since
    )

    every = await pages(api, tenant.reader_key, INBOUND, {"a": account}, "inboundMessages")
    later = [node for node in every if datetime.fromisoformat(node["receivedAt"]) >= START + timedelta(minutes=20)]
    assert len(later) == 11 and inbound(recent) == inbound(naive) == as_rows(later)
    review = await pages(api, tenant.reader_key, INBOUND, {"a": account, "review": True}, "inboundMessages")
    assert len(review) == 1 and inbound(waiting) == as_rows(review)
    assert inbound(settled) == as_rows(later[1:])


async def test_bad_parameters_are_refused_before_any_row(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    no_account = await export(api, tenant.reader_key, "/exports/inbound")
    bad_since = await export(api, tenant.reader_key, "/exports/inbound", accountId=account, since="2026-13-01")
    bad_review = await export(api, tenant.reader_key, "/exports/inbound", accountId=account, needsReview="maybe")
    bad_format = await export(api, tenant.reader_key, "/exports/inbound", accountId=account, format="pdf")

    assert no_account.json() == {
        "error": {
            "code": "INVALID",
            "field": "accountId",
            "message": "accountId is missing; name the account to export.",
        }
    }
    assert error_of(bad_since) == (400, "INVALID", "since") and '"2026-13-01"' in bad_since.json()["error"]["message"]
    assert bad_review.json() == {
        "error": {
            "code": "INVALID",
            "field": "needsReview",
            "message": 'needsReview is "maybe"; it must be one of true, false.',
        }
    }
    assert error_of(bad_format) == (400, "INVALID", "format")


async def test_no_key_sees_another_accounts_messages(tenant: Tenant, other_tenant: Tenant, api: ApiClient) -> None:
    own, sibling = await tenant.create_account(scope="ACCOUNT"), await tenant.create_account(scope="ACCOUNT")
    await receive(api, tenant, own, "mine")
    await receive(api, tenant, sibling, "theirs")
    own_key = await tenant.key("reader", own)
    missing = "acc_" + "0" * 32

    mine = await export(api, own_key, "/exports/inbound", accountId=own)
    sibling_through_mine = await export(api, own_key, "/exports/inbound", accountId=sibling)
    foreign = await export(api, other_tenant.reader_key, "/exports/inbound", accountId=own)
    unknown = await export(api, other_tenant.reader_key, "/exports/inbound", accountId=missing)

    assert [row[3] for row in inbound(mine)] == ["mine"]
    for refused, account in ((sibling_through_mine, sibling), (foreign, own), (unknown, missing)):
        assert refused.json() == {
            "error": {"code": "NOT_FOUND", "field": "accountId", "message": f'Account "{account}" does not exist.'}
        }
