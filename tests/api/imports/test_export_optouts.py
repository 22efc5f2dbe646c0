"""GET /exports/optouts: the opted-out tokens of a list, streamed, row for row what the GraphQL
`optOuts` pages give, in CSV, TSV or NDJSON, with formulas escaped."""

import csv
import io
from datetime import datetime
from typing import Any

import httpx
import orjson
import pytest

from tests.support.client import ApiClient
from tests.support.exports import export as export_route
from tests.support.exports import pages, upload_opt_outs
from tests.support.tenants import Tenant

PAGE = """query($a: ID!, $after: String) { optOuts(accountId: $a, first: 1000, after: $after) {
  edges { node { token tokenType channel since reason } } pageInfo { hasNextPage endCursor } } }"""


async def export(api: ApiClient, key: str, **params: Any) -> httpx.Response:
    return await export_route(api, key, "/exports/optouts", **params)


async def graphql_rows(api: ApiClient, tenant: Tenant, account: str) -> list[dict[str, Any]]:
    return await pages(api, tenant.reader_key, PAGE, {"a": account}, "optOuts")


async def upload(api: ApiClient, tenant: Tenant, account: str, body: bytes, **params: Any) -> None:
    await upload_opt_outs(api, tenant.writer_key, account, body, **params)


async def test_a_csv_export_is_row_for_row_the_graphql_list(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await upload(api, tenant, account, b"".join(b"+3161%07d\n" % number for number in range(12_000)))
    await upload(api, tenant, account, b"ann@example.com\n", channel="EMAIL", reason="=HYPERLINK(1)")

    response = await export(api, tenant.reader_key, accountId=account)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    expected = await graphql_rows(api, tenant, account)
    assert len(expected) == 12_001
    assert rows[0] == ["token", "tokenType", "channel", "since", "reason"]
    assert [(row[0], row[1], row[2], datetime.fromisoformat(row[3]), row[4]) for row in rows[1:]] == [
        (n["token"], n["tokenType"], n["channel"], datetime.fromisoformat(n["since"]), escaped(n["reason"]))
        for n in expected
    ]


def escaped(reason: str | None) -> str:
    """As a spreadsheet must see it: a formula as text."""
    return "" if reason is None else ("'" + reason if reason.startswith("=") else reason)


@pytest.mark.parametrize("name", ["tsv", "ndjson"])
async def test_tsv_and_ndjson_carry_the_same_rows(tenant: Tenant, api: ApiClient, name: str) -> None:
    account = await tenant.create_account()
    await upload(api, tenant, account, b"+31611111111\n+31622222222\n", channel=["SMS", "VOICE"])

    response = await export(api, tenant.reader_key, accountId=account, format=name, channel="VOICE")

    if name == "tsv":
        rows = [line.split("\t")[0] for line in response.text.splitlines()]
        assert rows == ["token", "+31611111111", "+31622222222"]
    else:
        lines = [orjson.loads(line) for line in response.text.splitlines()]
        assert [(line["token"], line["channel"], line["tokenType"]) for line in lines] == [
            ("+31611111111", "VOICE", "MSISDN"),
            ("+31622222222", "VOICE", "MSISDN"),
        ]


async def test_bad_parameters_and_foreign_accounts_are_refused_before_any_row(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()

    bad_format = await export(api, tenant.reader_key, accountId=account, format="xls")
    bad_channel = await export(api, tenant.reader_key, accountId=account, channel="FAX")
    foreign = await export(api, other_tenant.reader_key, accountId=account)
    keyless = await api.http.get("/exports/optouts", params={"accountId": account})

    assert (bad_format.status_code, bad_format.json()["error"]["field"]) == (400, "format")
    assert (bad_channel.status_code, bad_channel.json()["error"]["field"]) == (400, "channel")
    assert foreign.status_code == 404 and keyless.status_code == 401


async def test_an_account_key_exports_only_the_list_its_account_uses(tenant: Tenant, api: ApiClient) -> None:
    own = await tenant.create_account(scope="ACCOUNT")
    other = await tenant.create_account(scope="ACCOUNT")
    await upload(api, tenant, own, b"+31611111111\n")
    await upload(api, tenant, other, b"+31622222222\n")
    key = await tenant.key("reader", own)

    mine = await export(api, key)
    refused = await export(api, key, accountId=other)

    assert [row[0] for row in csv.reader(io.StringIO(mine.text))] == ["token", "+31611111111"]
    assert refused.status_code == 404
