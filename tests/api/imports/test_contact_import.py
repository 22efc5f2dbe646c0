"""POST /imports/contacts: a CSV of contacts into an account's address book, never bringing back
an opted-out number unless the import resets opt-outs with consent evidence; existing contacts
updated, not duplicated; a dry run that changes nothing; the whole file or nothing of it."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from tests.support.client import ApiClient
from tests.support.tenants import Tenant

CONTACTS = """query($a: ID!, $after: String) { contacts(accountId: $a, first: 500, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { phoneNumber email firstName lastName customFields { name value } groups { id } } } } }"""
CHECK = """query($a: ID!, $c: Channel!, $t: [String!]!) {
  checkOptOuts(accountId: $a, channel: $c, tokens: $t) { optedOut } }"""
HISTORY = """query($a: ID!, $t: String!) { optOutHistory(accountId: $a, token: $t) {
  edges { node { channel action source evidence { consentEvidence } } } } }"""
GROUP = """query($a: ID!) { groups(accountId: $a) { id memberCount } }"""


async def post_import(
    api: ApiClient, key: str | None, account: str, body: bytes | Iterator[bytes] | AsyncIterator[bytes], **params: Any
) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return await api.http.post(
        "/imports/contacts", params={"accountId": account, **params}, content=body, headers=headers
    )


async def contacts(api: ApiClient, tenant: Tenant, account: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await api.graphql(CONTACTS, {"a": account, "after": after}, key=tenant.reader_key))["contacts"]
        found += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def opted_out(api: ApiClient, tenant: Tenant, account: str, channel: str, token: str) -> bool:
    data = await api.graphql(CHECK, {"a": account, "c": channel, "t": [token]}, key=tenant.reader_key)
    return bool(data["checkOptOuts"][0]["optedOut"])


def report(**counts: Any) -> dict[str, Any]:
    base = {
        "imported": 0,
        "updated": 0,
        "skippedOptedOut": 0,
        "reset": 0,
        "duplicates": 0,
        "invalidCount": 0,
        "invalid": [],
        "dryRun": False,
    }
    return {**base, **counts}


async def test_rows_become_contacts_with_custom_fields_in_the_group_and_bad_rows_are_reported(
    tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()  # default country NL
    group = await tenant.create_group(account)
    body = (
        b"Phone,E-mail,First Name,last_name,City,Customer no\n"
        b"0612345678,Ann@Example.com,Ann,Smith,Utrecht,C-1\n"
        b",bob@example.com,Bob,,,\n"
        b"12,,Carl,,,\n"
        b",not-an-address,Dora,,,\n"
        b",,Eve,,,\n"
        b'+31687654321,,"Frank, Jr.",Jones,"Den Haag",\n'
    )

    response = await post_import(api, tenant.writer_key, account, body, groupId=group)

    assert response.status_code == 200, response.text
    assert response.json() == report(
        imported=3,
        invalidCount=3,
        invalid=[
            {"line": 4, "value": "12", "message": '"12" is not a possible phone number for country NL.'},
            {"line": 5, "value": "not-an-address", "message": '"not-an-address" is not an e-mail address.'},
            {"line": 6, "value": ",,Eve,,,", "message": "The row has neither a phone number nor an e-mail address."},
        ],
    )
    found = await contacts(api, tenant, account)
    assert [(c["phoneNumber"], c["email"], c["firstName"], c["lastName"]) for c in found] == [
        ("+31612345678", "ann@example.com", "Ann", "Smith"),
        (None, "bob@example.com", "Bob", None),
        ("+31687654321", None, "Frank, Jr.", "Jones"),
    ]
    assert found[0]["customFields"] == [{"name": "City", "value": "Utrecht"}, {"name": "Customer no", "value": "C-1"}]
    assert found[1]["customFields"] == []
    assert all(c["groups"] == [{"id": group}] for c in found)
    groups = (await api.graphql(GROUP, {"a": account}, key=tenant.reader_key))["groups"]
    assert groups == [{"id": group, "memberCount": 3}]


async def test_opted_out_numbers_and_addresses_are_skipped_not_brought_back(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31611111111", ["WHATSAPP"])  # any channel counts
    await tenant.opt_out(account, "gone@example.com", ["EMAIL"])
    body = b"phone,email\n+31611111111,\n+31622222222,Gone@Example.com\n+31633333333,\n"

    response = await post_import(api, tenant.writer_key, account, body)

    assert response.json() == report(imported=1, skippedOptedOut=2)  # the second for its address
    assert [c["phoneNumber"] for c in await contacts(api, tenant, account)] == ["+31633333333"]
    assert await opted_out(api, tenant, account, "WHATSAPP", "+31611111111")


async def test_resetting_opt_outs_needs_consent_evidence_and_keeps_it_on_every_opt_in(
    tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31611111111", ["SMS", "WHATSAPP"])
    body = b"phone,first_name\n+31611111111,Ann\n+31622222222,Bob\n"

    refused = await post_import(api, tenant.writer_key, account, body, resetOptOuts="true")
    blank = await post_import(api, tenant.writer_key, account, body, resetOptOuts="true", consentEvidence="  ")

    for response in (refused, blank):
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "consentEvidence"
    assert await contacts(api, tenant, account) == []

    evidence = "Signed up again at the shop counter, form 2026-11-30"
    response = await post_import(api, tenant.writer_key, account, body, resetOptOuts="true", consentEvidence=evidence)

    assert response.json() == report(imported=2, reset=1)
    assert not await opted_out(api, tenant, account, "SMS", "+31611111111")
    assert not await opted_out(api, tenant, account, "WHATSAPP", "+31611111111")
    history = await api.graphql(HISTORY, {"a": account, "t": "+31611111111"}, key=tenant.reader_key)
    opt_ins = [edge["node"] for edge in history["optOutHistory"]["edges"] if edge["node"]["action"] == "OPT_IN"]
    assert opt_ins == [
        {"channel": channel, "action": "OPT_IN", "source": "IMPORT", "evidence": {"consentEvidence": evidence}}
        for channel in ("SMS", "WHATSAPP")
    ]


async def test_existing_contacts_are_updated_and_repeated_rows_counted_not_duplicated(
    tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()
    await tenant.create_contact(account, phone="+31611111111")
    await tenant.create_contact(account, email="bob@example.com")
    body = (
        b"phone,email,first_name,tier\n"
        b"0611111111,ann@example.com,Ann,gold\n"  # the number's contact, gaining an address
        b"+31622222222,bob@example.com,Bob,\n"  # the address's contact, gaining a number
        b"+31611111111,,Annie,\n"  # the first row again
        b"+31633333333,,Carl,\n"
        b"+31633333333,,Carl,\n"
    )

    response = await post_import(api, tenant.writer_key, account, body)

    assert response.json() == report(imported=1, updated=2, duplicates=2)
    found = await contacts(api, tenant, account)
    assert [(c["phoneNumber"], c["email"], c["firstName"], c["customFields"]) for c in found] == [
        ("+31611111111", "ann@example.com", "Ann", [{"name": "tier", "value": "gold"}]),
        ("+31622222222", "bob@example.com", "Bob", []),
        ("+31633333333", None, "Carl", []),
    ]
    again = await post_import(api, tenant.writer_key, account, b"phone,first_name\n+31633333333,Charles\n")
    assert again.json() == report(updated=1)
    assert [c["firstName"] for c in await contacts(api, tenant, account)] == ["Ann", "Bob", "Charles"]


async def test_a_row_repeated_in_a_later_batch_is_a_duplicate(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    rows = [f"+3161{index:07d}" for index in range(6_000)]  # more than one batch of 5,000
    body = ("phone\n" + "\n".join([*rows, rows[0], rows[5_500]]) + "\n").encode()

    response = await post_import(api, tenant.writer_key, account, body)

    assert response.json() == report(imported=6_000, duplicates=2)
    assert len(await contacts(api, tenant, account)) == 6_000


async def test_a_dry_run_reports_everything_and_changes_nothing(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    await tenant.create_contact(account, phone="+31611111111")
    await tenant.opt_out(account, "+31699999999", ["SMS"])
    body = b"phone,first_name\n+31611111111,Ann\n+31622222222,Bob\n+31699999999,Zed\nxyz,Nobody\n"

    response = await post_import(
        api, tenant.writer_key, account, body, groupId=group, dryRun="true", resetOptOuts="1", consentEvidence="form"
    )

    assert response.json() == report(
        imported=2,
        updated=1,
        reset=1,
        invalidCount=1,
        invalid=[{"line": 5, "value": "xyz", "message": '"xyz" is not a phone number.'}],
        dryRun=True,
    )
    found = await contacts(api, tenant, account)
    assert [(c["phoneNumber"], c["firstName"], c["groups"]) for c in found] == [("+31611111111", None, [])]
    assert await opted_out(api, tenant, account, "SMS", "+31699999999")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "The file is empty."),
        (b"name,city\nAnn,Utrecht\n", "The header row names no phone or email column"),
        (b"phone,first_name\n", "The file has no rows below its header."),
        ("phone,name\n+31611111111,Zoë\n".encode("utf-16-le")[:-1], "The file is not UTF-16"),
        (b"phone\n+31611111111\n" + b"+3162222\x002222\n", "Line 3 holds a NUL character"),
        (b"phone,note\n+31611111111," + b"x" * 1_000_000 + b"\n", "Line 2 is longer than 65,536 characters."),
        (b'phone,note\n+31611111111,"never closed\n', "Line 2 opens a quoted field that is never closed."),
        (b"phone,city,city\n+31611111111,a,b\n", 'The header row names the column "city" twice.'),
    ],
)
async def test_a_file_that_cannot_be_read_is_refused_and_nothing_is_imported(
    tenant: Tenant, api: ApiClient, body: bytes, message: str
) -> None:
    account = await tenant.create_account()

    response = await post_import(api, tenant.writer_key, account, body)

    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"].startswith(message)
    assert response.json()["error"]["message"].endswith("Nothing of the file was taken.")
    assert await contacts(api, tenant, account) == []


async def test_a_failure_after_whole_batches_rolls_every_batch_back(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    good = "".join(f"+3161{index:07d}\n" for index in range(12_000)).encode()

    response = await post_import(api, tenant.writer_key, account, b"phone\n" + good + b"\xff\xfe\n")

    assert response.status_code == 400
    assert "near line 12002" in response.json()["error"]["message"]
    assert await contacts(api, tenant, account) == []


async def test_a_row_with_another_delimiter_is_reported_and_the_rest_imported(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    body = b"phone,first_name,last_name\n+31611111111,Ann,Smith\n+31622222222;Bob;Jones\n+31633333333,Carl,Day,extra\n"

    response = await post_import(api, tenant.writer_key, account, body)

    assert response.json()["imported"] == 1
    assert [(bad["line"], bad["message"]) for bad in response.json()["invalid"]] == [
        (3, "The row has 1 field and the header 3: is it quoted right, and is its delimiter the header's?"),
        (4, "The row has 4 fields and the header 3: is it quoted right, and is its delimiter the header's?"),
    ]


@pytest.mark.parametrize(
    ("encoding", "delimiter"), [("utf-8-sig", ","), ("utf-16", ";"), ("latin-1", "\t"), ("utf-8", "|")]
)
async def test_encodings_and_delimiters_are_detected(
    tenant: Tenant, api: ApiClient, encoding: str, delimiter: str
) -> None:
    account = await tenant.create_account()
    text = delimiter.join(["phone", "first_name", "city"]) + "\r\n" + delimiter.join(["+31611111111", "Zoë", "Møn"])

    response = await post_import(api, tenant.writer_key, account, text.encode(encoding))

    assert response.json()["imported"] == 1, response.text
    [contact] = await contacts(api, tenant, account)
    assert contact["firstName"] == "Zoë" and contact["customFields"] == [{"name": "city", "value": "Møn"}]


async def test_bad_parameters_are_refused_naming_them(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    other_account = await tenant.create_account()
    foreign_group = await tenant.create_group(other_account)
    body = b"phone\n+31611111111\n"

    answers = {
        "dryRun": await post_import(api, tenant.writer_key, account, body, dryRun="maybe"),
        "groupId": await post_import(api, tenant.writer_key, account, body, groupId=foreign_group),
        "encoding": await post_import(api, tenant.writer_key, account, body, encoding="ebcdic"),
        "accountId": await post_import(api, tenant.writer_key, "acc_nope", body),
    }

    for name, response in answers.items():
        assert response.status_code in (400, 404), (name, response.text)
        assert response.json()["error"]["field"] == name
    assert answers["dryRun"].json()["error"]["message"] == 'dryRun is "maybe"; it must be true or false.'
    assert answers["groupId"].status_code == 404
    assert await contacts(api, tenant, account) == [] and await contacts(api, tenant, other_account) == []


async def test_keys_without_the_right_or_of_another_tenant_import_nothing(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()
    sibling = await tenant.create_account(scope="ACCOUNT")
    sibling_key = await tenant.key("writer", sibling)
    body = b"phone\n+31611111111\n"

    reader = await post_import(api, tenant.reader_key, account, body)
    foreign = await post_import(api, other_tenant.writer_key, account, body)
    sibling_answer = await post_import(api, sibling_key, account, body)
    anonymous = await post_import(api, None, account, body)

    assert reader.status_code == 403
    assert foreign.status_code == sibling_answer.status_code == 404
    assert anonymous.status_code == 401
    assert await contacts(api, tenant, account) == []


async def test_a_client_that_disconnects_midway_leaves_nothing(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    class Gone(Exception):
        pass

    async def body() -> AsyncIterator[bytes]:
        yield b"phone\n"
        yield "".join(f"+3162{index:07d}\n" for index in range(20_000)).encode()
        await asyncio.sleep(0.5)  # the server has taken the first batches by now
        raise Gone

    with pytest.raises(Gone):
        await post_import(api, tenant.writer_key, account, body())

    await asyncio.sleep(1)  # the server hears of the disconnect and rolls back
    assert await contacts(api, tenant, account) == []
