"""A 100,000-row contact import and the audience exported from it, checked row by row against the
file: every number and address in, normalised, none lost or doubled, the opted-out ones left out."""

import csv
import io

from app import ids
from tests.api.imports.test_contact_import import report
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

ROWS = 100_000
OPTED_OUT_EVERY = 97  # numbers opted out after the import


def number(index: int) -> str:
    return f"+316{index * 7 + 1_000_000:08d}"


def as_written(index: int) -> str:
    """Half the numbers national (the account's country, NL), half international."""
    return "06" + number(index)[4:] if index % 2 else number(index)


def address(index: int) -> str | None:
    return f"person.{index}@example.com" if index % 3 == 0 else None


def contacts_file() -> bytes:
    lines = ["phone,email,first_name,last_name,ref"]
    lines += [f"{as_written(i)},{(address(i) or '').upper()},Name {i},Family {i},R{i}" for i in range(ROWS)]
    return ("\r\n".join(lines) + "\r\n").encode()


async def exported(api: ApiClient, key: str, **params: str) -> list[list[str]]:
    response = await api.http.get("/exports/audience", params=params, headers={"authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    return list(csv.reader(io.StringIO(response.text, newline="")))


async def test_a_hundred_thousand_rows_in_and_out_row_by_row(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    auth = {"authorization": f"Bearer {tenant.writer_key}"}

    response = await api.http.post(
        "/imports/contacts",
        params={"accountId": account, "groupId": group},
        content=contacts_file(),
        headers=auth,
        timeout=600,  # a loaded machine: the answer comes once every row is in
    )

    assert response.status_code == 200, response.text
    assert response.json() == report(imported=ROWS)
    opted_out = {number(i) for i in range(0, ROWS, OPTED_OUT_EVERY)}
    upload = await api.http.post(
        "/imports/optouts",
        params={"accountId": account, "channel": "SMS"},
        content="\n".join(sorted(opted_out)).encode(),
        headers=auth,
    )
    assert upload.json()["optedOut"] == len(opted_out)

    sms = await exported(api, tenant.reader_key, accountId=account, groupId=group, channel="SMS")
    email = await exported(api, tenant.reader_key, accountId=account, groupId=group, channel="EMAIL")

    assert sms[0] == email[0] == ["contactId", "token", "viaBypassGroup"]
    assert [row[1] for row in sms[1:]] == sorted({number(i) for i in range(ROWS)} - opted_out)
    assert [row[1] for row in email[1:]] == sorted(a for i in range(ROWS) if (a := address(i)) is not None)
    assert all(row[2] == "false" for row in sms[1:] + email[1:])
    contact_ids = [ids.decode("Contact", row[0], field="contactId") for row in sms[1:]]
    assert len(set(contact_ids)) == len(contact_ids)
    async with tenant.units.read() as unit:  # each row's contact is the one the file's row made
        stored = await unit.connection.fetch(
            "SELECT id, msisdn, first_name, custom_fields->>'ref' AS ref FROM contacts WHERE account_id = $1",
            ids.decode("Account", account, field="accountId"),
        )
    by_id = {row["id"]: row for row in stored}
    assert len(by_id) == ROWS
    index_of = {number(i): i for i in range(ROWS)}
    for contact_id, row in zip(contact_ids, sms[1:], strict=True):
        contact = by_id[contact_id]
        index = index_of[row[1]]
        assert (contact["msisdn"], contact["first_name"], contact["ref"]) == (row[1], f"Name {index}", f"R{index}")
