"""format=xlsx on every export: a workbook openpyxl opens, whose cells are the CSV's rows (booleans
typed), with formula-looking values kept as text."""

from typing import Any

import pytest

from app import ids
from tests.support.client import ApiClient
from tests.support.exports import as_text, csv_rows, export, upload_opt_outs, xlsx_rows
from tests.support.tenants import Tenant

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def both(api: ApiClient, key: str, path: str, **params: Any) -> tuple[list[list[str]], list[list[Any]]]:
    """The export as CSV and as XLSX."""
    spreadsheet = await export(api, key, path, format="xlsx", **params)
    assert spreadsheet.headers["content-type"] == XLSX
    name = path.rsplit("/", 1)[1]
    assert spreadsheet.headers["content-disposition"] == f'attachment; filename="{name}.xlsx"'
    return csv_rows(await export(api, key, path, **params)), xlsx_rows(spreadsheet)


def as_csv_rows(cells: list[list[Any]]) -> list[list[str]]:
    return [[as_text(value) for value in row] for row in cells]


async def test_an_opt_out_workbook_holds_the_csvs_rows(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await upload_opt_outs(api, tenant.writer_key, account, b"".join(b"+3161%07d\n" % n for n in range(12_000)))
    await upload_opt_outs(
        api, tenant.writer_key, account, b"ann@example.com\n", channel="EMAIL", reason="=HYPERLINK(1)"
    )

    rows, cells = await both(api, tenant.reader_key, "/exports/optouts", accountId=account)

    assert len(rows) == 12_002 and as_csv_rows(cells) == rows
    assert cells[1] == ["ann@example.com", "EMAIL", "EMAIL", cells[1][3], "'=HYPERLINK(1)"]
    assert cells[2][:3] == ["+31610000000", "MSISDN", "SMS"] and cells[2][4] is None


async def test_a_history_workbook_holds_the_csvs_rows(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31611111111", ["SMS", "VOICE"], campaign="@SUM(A1:A2)", reason="+1 then -1")
    await tenant.opt_in(account, "+31611111111", ["VOICE"])

    rows, cells = await both(api, tenant.reader_key, "/exports/history", accountId=account)

    assert len(rows) == 4 and as_csv_rows(cells) == rows
    assert cells[1][8:13] == ["'+1 then -1", cells[1][9], None, None, "'@SUM(A1:A2)"]


async def test_an_audience_workbook_holds_the_csvs_rows(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account, bypass=True)
    for phone in ("+31611111111", "+31622222222"):
        await tenant.create_contact(account, phone=phone, groups=[group])
    await tenant.opt_out(account, "+31622222222", ["SMS"])

    rows, cells = await both(
        api, tenant.reader_key, "/exports/audience", accountId=account, groupId=group, channel="SMS"
    )

    assert as_csv_rows(cells) == rows
    assert [row[1:] for row in cells[1:]] == [["+31611111111", False], ["+31622222222", True]]
    assert all(ids.decode("Contact", row[0], field="contactId") for row in cells[1:])


async def test_an_inbound_workbook_holds_the_csvs_rows(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    for body in ("STOP", '=HYPERLINK("http://x", "y")', "  a reply\r\nover lines \x07 "):
        sms = {"accountId": account, "from": "+31611111111", "to": "3010", "body": body}
        posted = await api.http.post("/inbound/sms", json=sms, headers={"authorization": f"Bearer {tenant.writer_key}"})
        assert posted.status_code == 200, posted.text

    rows, cells = await both(api, tenant.reader_key, "/exports/inbound", accountId=account)

    bodies = [row[3] for row in cells[1:]]
    assert bodies[1:] == ['\'=HYPERLINK("http://x", "y")', "STOP"]
    # The bell cannot be in XML; the rest, CR and leading spaces included, is kept.
    assert bodies[0] == "  a reply\r\nover lines  " and rows[1][3] == "  a reply\r\nover lines \x07 "
    assert as_csv_rows(cells) == [rows[0], [*rows[1][:3], bodies[0], *rows[1][4:]], *rows[2:]]
    assert cells[1][5] is False


@pytest.mark.parametrize("path", ["/exports/optouts", "/exports/history", "/exports/audience", "/exports/inbound"])
async def test_an_empty_export_is_a_workbook_of_its_header(tenant: Tenant, api: ApiClient, path: str) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)

    rows, cells = await both(api, tenant.reader_key, path, accountId=account, groupId=group, channel="SMS")

    assert len(rows) == 1 and cells == rows
