"""POST /scrub: a campaign file in, the same file out without (or flagging) its opted-out rows,
with the counts in the headers."""

import csv
import io
from typing import Any

import httpx
import pytest

from tests.support.client import ApiClient
from tests.support.tenants import Tenant

CAMPAIGN = (
    "first_name;mobile;voucher\r\n"
    "Ann;+31611111111;A-1\r\n"
    "Bob;0622222222;B-2\r\n"
    'Cleo;+31633333333;"C;3"\r\n'
    "Dirk;not a number;D-4\r\n"
)


async def scrub(api: ApiClient, key: str, account: str, body: bytes, **params: Any) -> httpx.Response:
    query = {"accountId": account, "channel": "SMS", **params}
    return await api.http.post("/scrub", params=query, content=body, headers={"authorization": f"Bearer {key}"})


def table(response: httpx.Response, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text, newline=""), delimiter=delimiter))


@pytest.fixture
async def account(tenant: Tenant) -> str:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31622222222", ["SMS"])
    await tenant.opt_out(account, "+31633333333", ["WHATSAPP"])  # another channel: not suppressed here
    return account


async def test_opted_out_rows_are_removed_and_counted(tenant: Tenant, api: ApiClient, account: str) -> None:
    response = await scrub(api, tenant.reader_key, account, CAMPAIGN.encode())

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert table(response) == [
        ["first_name", "mobile", "voucher"],
        ["Ann", "+31611111111", "A-1"],
        ["Cleo", "+31633333333", "C;3"],
        ["Dirk", "not a number", "D-4"],  # nothing to check it by: kept, and counted
    ]
    assert (
        response.headers["x-stoplist-kept"],
        response.headers["x-stoplist-suppressed"],
        response.headers["x-stoplist-invalid"],
    ) == ("2", "1", "1")


async def test_flag_mode_keeps_every_row_and_says_which_are_opted_out(
    tenant: Tenant, api: ApiClient, account: str
) -> None:
    response = await scrub(api, tenant.reader_key, account, CAMPAIGN.encode(), mode="flag")

    assert [row[-1] for row in table(response)] == ["opted_out", "false", "true", "false", "invalid"]


async def test_the_column_may_be_named_and_the_file_be_latin_1_with_commas(
    tenant: Tenant, api: ApiClient, account: str
) -> None:
    body = "naam,telefoon\nZoë,+31622222222\nRenée,+31644444444\n".encode("latin-1")

    response = await scrub(api, tenant.reader_key, account, body, column="Telefoon")

    assert table(response, ",") == [["naam", "telefoon"], ["Renée", "+31644444444"]]


async def test_without_a_known_name_the_column_of_numbers_is_found_by_what_it_holds(
    tenant: Tenant, api: ApiClient, account: str
) -> None:
    body = b"naam;nummer;notitie\nZoe;06 2222 2222;vip 1\nRenee;+31 6 4444 4444;call 2\n"

    response = await scrub(api, tenant.reader_key, account, body)

    assert response.status_code == 200, response.text
    assert table(response, ";") == [["naam", "nummer", "notitie"], ["Renee", "+31 6 4444 4444", "call 2"]]


async def test_a_file_without_a_column_to_check_is_refused(tenant: Tenant, api: ApiClient, account: str) -> None:
    no_column = await scrub(api, tenant.reader_key, account, b"name,voucher\nAnn,A-1\n")
    unknown = await scrub(api, tenant.reader_key, account, CAMPAIGN.encode(), column="phone")
    empty = await scrub(api, tenant.reader_key, account, b"")
    bad_mode = await scrub(api, tenant.reader_key, account, CAMPAIGN.encode(), mode="drop")

    assert no_column.status_code == unknown.status_code == empty.status_code == bad_mode.status_code == 400
    assert no_column.json()["error"]["message"].startswith(
        "No column is named as one to check, and none holds phone numbers: name it with column= (one of name, voucher)"
    )
    assert unknown.json()["error"]["message"] == 'The header has no column "phone".'
    assert unknown.json()["error"]["field"] == "column"
    assert bad_mode.json()["error"] == {
        "code": "INVALID",
        "message": 'mode is "drop"; it must be one of remove, flag.',
        "field": "mode",
    }


async def test_a_file_of_many_batches_comes_back_whole_in_order(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31610000007", ["SMS"])
    rows = [["phone", "n"]] + [[f"+3161{number:07d}", str(number)] for number in range(12_000)]
    body = "".join(",".join(row) + "\n" for row in rows).encode()

    response = await scrub(api, tenant.reader_key, account, body)

    assert table(response, ",") == [row for row in rows if row[0] != "+31610000007"]
    assert response.headers["x-stoplist-suppressed"] == "1"


async def test_another_organizations_account_is_not_found(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient, account: str
) -> None:
    response = await scrub(api, other_tenant.reader_key, account, CAMPAIGN.encode())

    assert response.status_code == 404


async def test_a_keyless_scrub_is_told_any_key_will_do(api: ApiClient, account: str) -> None:
    response = await api.http.post("/scrub", params={"accountId": account, "channel": "SMS"}, content=b"phone\n")

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "A valid API key is required (Bearer, or Basic password)."


async def test_a_file_larger_than_the_list_is_checked_against_that_list_alone(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient
) -> None:
    # 12,000 rows: past the point where the list is read whole rather than probed a batch at a time
    # (app/bulk/opted_out.py); the first 4,000 alone are probed. Both must suppress the same rows.
    account, own_list = await tenant.create_account(), await tenant.create_account(scope="ACCOUNT")
    await tenant.opt_out(account, "+31610000001", ["SMS"])
    await tenant.opt_out(account, "+31610000002", ["SMS"])
    await tenant.opt_in(account, "+31610000002", ["SMS"])  # opted back in: sent to
    await tenant.opt_out(account, "+31610000003", ["WHATSAPP"])  # another channel
    await tenant.opt_out(own_list, "+31610000004", ["SMS"])  # an account with a list of its own
    await other_tenant.opt_out(await other_tenant.create_account(), "+31610000005", ["SMS"])
    rows = [["phone", "n"]] + [[f"+3161{number:07d}", str(number)] for number in range(12_000)]
    body = "".join(",".join(row) + "\n" for row in rows).encode()

    whole = await scrub(api, tenant.reader_key, account, body)
    start = await scrub(api, tenant.reader_key, account, body[: body.index(b"+31610004000")])
    of_own_list = await scrub(api, tenant.reader_key, own_list, body)

    assert table(whole, ",") == [row for row in rows if row[0] != "+31610000001"]
    assert table(start, ",") == [row for row in rows[:4001] if row[0] != "+31610000001"]
    assert table(of_own_list, ",") == [row for row in rows if row[0] != "+31610000004"]
    assert [r.headers["x-stoplist-suppressed"] for r in (whole, start, of_own_list)] == ["1", "1", "1"]
