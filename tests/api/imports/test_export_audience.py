"""GET /exports/audience: the audience streamed, row for row what the GraphQL `audience` pages
give (deduplicated by token, opted-out tokens left out unless a requested group bypasses them),
formulas escaped; groups and accounts of others answer as missing ones."""

import asyncio
from typing import Any

import httpx

from app import ids
from app.auth.actor import Actor
from app.bulk.exports import AudienceExport, export_bytes, writer_for
from app.bulk.params import GivenParams
from app.enums import Role
from tests.api.test_fuzz import LogTail
from tests.support.client import ApiClient
from tests.support.exports import as_csv, csv_rows, error_of, export, pages, upload_opt_outs
from tests.support.server import Server
from tests.support.tenants import Tenant

AUDIENCE = """
query($a: ID!, $g: [ID!]!, $channel: Channel!, $purpose: Purpose, $after: String) {
  audience(accountId: $a, groupIds: $g, channel: $channel, purpose: $purpose, first: 1000, after: $after) {
    edges { node { contactId token viaBypassGroup } } pageInfo { hasNextPage endCursor }
  }
}"""
COLUMNS = ["contactId", "token", "viaBypassGroup"]
# Contacts straight into the tables (no route imports contacts yet): numbered tokens, some shared.
CONTACTS = """
INSERT INTO contacts (id, organization_id, account_id, msisdn, email)
SELECT gen_random_uuid(), $1, $2, '+3161' || lpad((n % $4)::text, 7, '0'), NULL FROM generate_series(0, $3 - 1) AS n
"""
MEMBERS = """
INSERT INTO group_members (organization_id, group_id, contact_id, msisdn, email)
SELECT organization_id, $2, id, msisdn, email FROM contacts
WHERE account_id = $1 AND (msisdn IS NULL OR right(msisdn, 7)::int % $3 = $4)
"""


async def fill(tenant: Tenant, account: str, groups: dict[str, tuple[int, int]], contacts: int, tokens: int) -> None:
    """`contacts` contacts over `tokens` numbers; each group holds those whose number modulo m is r."""
    async with tenant.units.write() as unit:
        account_id = ids.decode("Account", account, field="accountId")
        await unit.connection.execute(CONTACTS, tenant.organization_id, account_id, contacts, tokens)
        await unit.connection.execute(
            "INSERT INTO contacts (id, organization_id, account_id, email)"
            " VALUES (gen_random_uuid(), $1, $2, '=1+2@example.com'), (gen_random_uuid(), $1, $2, 'ann@example.com')",
            tenant.organization_id,
            account_id,
        )
        for group, (modulus, remainder) in groups.items():
            group_id = ids.decode("Group", group, field="groupId")
            await unit.connection.execute(MEMBERS, account_id, group_id, modulus, remainder)


async def graphql_rows(api: ApiClient, tenant: Tenant, **variables: Any) -> list[list[str]]:
    nodes = await pages(api, tenant.reader_key, AUDIENCE, variables, "audience")
    return [[as_csv(node[name]) for name in COLUMNS] for node in nodes]


async def test_a_csv_export_is_row_for_row_the_graphql_audience(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    even, thirds = await tenant.create_group(account), await tenant.create_group(account)
    bypass = await tenant.create_group(account, bypass=True)
    await fill(tenant, account, {even: (2, 0), thirds: (3, 0), bypass: (10, 0)}, contacts=14_000, tokens=12_000)
    await upload_opt_outs(api, tenant.writer_key, account, b"".join(b"+3161%07d\n" % n for n in range(0, 12_000, 5)))

    response = await export(
        api, tenant.reader_key, "/exports/audience", accountId=account, groupId=[even, thirds], channel="SMS"
    )
    with_bypass = await export(
        api, tenant.reader_key, "/exports/audience", accountId=account, groupId=[even, bypass], channel="SMS"
    )

    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="audience.csv"'
    rows = csv_rows(response)
    expected = await graphql_rows(api, tenant, a=account, g=[even, thirds], channel="SMS")
    assert rows[0] == COLUMNS and rows[1:] == expected
    assert len(expected) == 6_400  # the 8,000 numbers even or a multiple of 3, less the 1,600 of them opted out
    bypassed = csv_rows(with_bypass)[1:]
    assert bypassed == await graphql_rows(api, tenant, a=account, g=[even, bypass], channel="SMS")
    assert len(bypassed) == 6_000 and sum(row[2] == "true" for row in bypassed) == 1_200


async def test_transactional_and_email_audiences_and_formulas(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    await fill(tenant, account, {group: (1, 0)}, contacts=3, tokens=3)
    await upload_opt_outs(
        api, tenant.writer_key, account, b"+31610000001\n=1+2@example.com\n", channel=["SMS", "EMAIL"]
    )

    promotional = await export(
        api, tenant.reader_key, "/exports/audience", accountId=account, groupId=group, channel="SMS"
    )
    transactional = await export(
        api,
        tenant.reader_key,
        "/exports/audience",
        accountId=account,
        groupId=group,
        channel="SMS",
        purpose="TRANSACTIONAL",
    )
    email = await export(api, tenant.reader_key, "/exports/audience", accountId=account, groupId=group, channel="EMAIL")

    assert [row[1] for row in csv_rows(promotional)[1:]] == ["+31610000000", "+31610000002"]
    assert [row[1] for row in csv_rows(transactional)[1:]] == ["+31610000000", "+31610000001", "+31610000002"]
    assert csv_rows(transactional)[1:] == await graphql_rows(
        api, tenant, a=account, g=[group], channel="SMS", purpose="TRANSACTIONAL"
    )
    assert [row[1] for row in csv_rows(email)[1:]] == ["ann@example.com"]
    everyone = await export(
        api,
        tenant.reader_key,
        "/exports/audience",
        accountId=account,
        groupId=group,
        channel="EMAIL",
        purpose="TRANSACTIONAL",
        format="tsv",
    )
    assert [line.split("\t")[1] for line in everyone.text.splitlines()] == [
        "token",
        "'=1+2@example.com",
        "ann@example.com",
    ]


async def test_bad_parameters_are_refused_before_any_row(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)

    def get(**params: Any) -> Any:
        return export(api, tenant.reader_key, "/exports/audience", **{"accountId": account, "channel": "SMS", **params})

    no_group = await get()
    no_channel = await export(api, tenant.reader_key, "/exports/audience", accountId=account, groupId=group)
    bad_group = await get(groupId=[group, "grp_x"])
    bad_channel = await get(groupId=group, channel="FAX")
    bad_purpose = await get(groupId=group, purpose="SPAM")
    no_account = await export(api, tenant.reader_key, "/exports/audience", groupId=group, channel="SMS")
    topic = await get(groupId=group, topicId="anything")

    assert no_group.json() == {"error": {"code": "INVALID", "field": "groupId", "message": "Name at least one group."}}
    assert error_of(bad_group) == (400, "INVALID_ID", "groupId.1") and '"grp_x"' in bad_group.json()["error"]["message"]
    assert error_of(no_channel) == (400, "INVALID", "channel")
    assert error_of(bad_channel) == (400, "INVALID", "channel") and '"FAX"' in bad_channel.json()["error"]["message"]
    assert error_of(bad_purpose) == (400, "INVALID", "purpose") and '"SPAM"' in bad_purpose.json()["error"]["message"]
    assert error_of(no_account) == (400, "INVALID", "accountId")
    assert csv_rows(topic) == [COLUMNS]  # not taken yet: the GraphQL audience has no topics


async def test_groups_and_accounts_of_others_answer_as_missing_ones(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient
) -> None:
    own, sibling = await tenant.create_account(scope="ACCOUNT"), await tenant.create_account(scope="ACCOUNT")
    own_group, sibling_group = await tenant.create_group(own), await tenant.create_group(sibling)
    await fill(tenant, sibling, {sibling_group: (1, 0)}, contacts=2, tokens=2)
    own_key = await tenant.key("reader", own)
    missing_group = "grp_" + "0" * 32

    def get(key: str, account: str, *groups: str) -> Any:
        return export(api, key, "/exports/audience", accountId=account, groupId=list(groups), channel="SMS")

    sibling_account = await get(own_key, sibling, sibling_group)
    sibling_group_in_own = await get(own_key, own, own_group, sibling_group)
    missing_in_own = await get(own_key, own, own_group, missing_group)
    foreign = await get(other_tenant.reader_key, sibling, sibling_group)
    allowed = await get(tenant.reader_key, sibling, sibling_group)

    for refused in (sibling_account, foreign):
        assert refused.json() == {
            "error": {"code": "NOT_FOUND", "field": "accountId", "message": f'Account "{sibling}" does not exist.'}
        }
    assert sibling_group_in_own.json() == {
        "error": {
            "code": "NOT_FOUND",
            "field": "groupId.1",
            "message": f'Group "{sibling_group}" does not exist in this account.',
        }
    }
    assert missing_in_own.json()["error"]["message"] == f'Group "{missing_group}" does not exist in this account.'
    assert [row[1] for row in csv_rows(allowed)[1:]] == ["+31610000000", "+31610000001"]


async def test_a_client_that_leaves_midway_leaves_the_server_clean(
    tenant: Tenant, api: ApiClient, server: Server
) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    await fill(tenant, account, {group: (1, 0)}, contacts=40_000, tokens=40_000)
    log = LogTail(server.log)
    params = {"accountId": account, "groupId": group, "channel": "SMS"}
    headers = {"authorization": f"Bearer {tenant.reader_key}"}

    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        async with client.stream("GET", "/exports/audience", params=params, headers=headers) as response:
            async for _ in response.aiter_bytes():
                break  # the first bytes, then gone: batches are being read ahead meanwhile
    await asyncio.sleep(1)
    again = await export(api, tenant.reader_key, "/exports/audience", **params)

    assert len(csv_rows(again)) == 40_001
    assert "Traceback" not in log.read()


async def _file(tenant: Tenant, export: AudienceExport, format_name: str, *, by_rows: bool) -> bytes:
    async with tenant.units.read() as unit:
        await export.check(unit)
        if by_rows:  # the writer's own path, which NDJSON and XLSX take
            export.copied = lambda unit, delimiter: None  # type: ignore[method-assign]
        return b"".join([chunk async for chunk in export_bytes(unit, export, writer_for(export, format_name))])


async def test_the_rows_postgresql_writes_are_byte_for_byte_the_row_writers(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group, bypass = await tenant.create_group(account), await tenant.create_group(account, bypass=True)
    await fill(tenant, account, {group: (1, 0), bypass: (4, 0)}, contacts=3_000, tokens=2_500)
    async with tenant.units.write() as unit:  # tokens a spreadsheet would run, and one that needs quotes
        await unit.connection.execute(
            "WITH added AS (INSERT INTO contacts (id, organization_id, account_id, email)"
            " SELECT gen_random_uuid(), $1, $2, email FROM unnest($4::text[]) AS email RETURNING *)"
            " INSERT INTO group_members (organization_id, group_id, contact_id, email)"
            " SELECT organization_id, $3, id, email FROM added",
            tenant.organization_id,
            ids.decode("Account", account, field="account"),
            ids.decode("Group", group, field="group"),
            ["-1@example.com", "+x@example.com", "@a@example.com", 'a,"b"@example.com'],
        )
    await upload_opt_outs(
        api,
        tenant.writer_key,
        account,
        b"".join(b"+3161%07d\n" % n for n in range(0, 2_500, 3)),
        channel=["SMS", "EMAIL"],
    )
    actor = Actor(organization_id=tenant.organization_id, role=Role.READER)

    for channel in ("SMS", "EMAIL"):
        for format_name in ("csv", "tsv"):
            params = GivenParams({"accountId": account, "groupId": [group, bypass], "channel": channel})
            copied = await _file(tenant, AudienceExport(params, actor), format_name, by_rows=False)
            written = await _file(tenant, AudienceExport(params, actor), format_name, by_rows=True)
            assert copied == written
            # The header, and on SMS the 2,500 numbers less the 834 opted out, but for 209 in the bypass group.
            assert copied.count(b"\r\n") == len(copied.splitlines()) == {"SMS": 1_876, "EMAIL": 7}[channel]
