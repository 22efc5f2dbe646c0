"""POST /imports/optouts: a file of numbers or addresses straight into the account's list (source
UPLOAD), with a report of what it did; all of the file or nothing of it."""

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.client import ApiClient
from tests.support.feed import subscribed
from tests.support.server import running_server
from tests.support.tenants import Tenant

CHECK = """query($a: ID!, $c: Channel!, $t: [String!]!) {
  checkOptOuts(accountId: $a, channel: $c, tokens: $t) { token optedOut reason } }"""
HISTORY = """query($a: ID!, $t: String!) { optOutHistory(accountId: $a, token: $t) {
  edges { node { channel action source reason } } } }"""


async def upload(
    api: ApiClient, key: str | None, account: str, body: bytes | Iterator[bytes], **params: Any
) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    query = {"accountId": account, "channel": "SMS", **params}
    return await api.http.post("/imports/optouts", params=query, content=body, headers=headers)


async def opted_out(
    api: ApiClient, tenant: Tenant, account: str, tokens: list[str], channel: str = "SMS"
) -> list[bool]:
    data = await api.graphql(CHECK, {"a": account, "c": channel, "t": tokens}, key=tenant.reader_key)
    return [status["optedOut"] for status in data["checkOptOuts"]]


async def test_a_file_of_one_number_a_line_opts_each_out_and_reports_the_rest(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()  # default country NL
    body = b"+31612345678\n0687654321\n\nnot a number\n+31612345678\n12\n"

    response = await upload(api, tenant.writer_key, account, body, reason="Complaint list")

    assert response.status_code == 200, response.text
    assert response.json() == {
        "optedOut": 2,
        "alreadyOptedOut": 1,  # the first number, twice in the file
        "invalidCount": 2,
        "invalid": [
            {"line": 4, "value": "not a number", "message": '"not a number" is not a phone number.'},
            {"line": 6, "value": "12", "message": '"12" is not a possible phone number for country NL.'},
        ],
    }
    assert await opted_out(api, tenant, account, ["+31612345678", "+31687654321"]) == [True, True]
    history = await api.graphql(HISTORY, {"a": account, "t": "+31687654321"}, key=tenant.reader_key)
    assert [edge["node"] for edge in history["optOutHistory"]["edges"]] == [
        {"channel": "SMS", "action": "OPT_OUT", "source": "UPLOAD", "reason": "Complaint list"}
    ]
    again = await upload(api, tenant.writer_key, account, b"+31612345678\n+31687654321\n")
    assert again.json()["optedOut"] == 0 and again.json()["alreadyOptedOut"] == 2


async def test_a_csv_with_a_token_column_in_latin_1_with_semicolons(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    body = "name;email;phone\nZoë;zoe@example.com;+31611111111\nRenée;rene@example.com;+31622222222\n".encode("latin-1")

    response = await upload(api, tenant.writer_key, account, body, channel=["EMAIL"])

    assert response.json()["optedOut"] == 2 and response.json()["invalidCount"] == 0
    assert await opted_out(api, tenant, account, ["zoe@example.com", "rene@example.com"], "EMAIL") == [True, True]
    assert await opted_out(api, tenant, account, ["+31611111111"]) == [False]  # the email column was taken


async def test_a_header_without_a_column_for_the_channels_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    response = await upload(api, tenant.writer_key, account, b"name,email\nAnn,ann@example.com\n")

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("The header names no column for the upload's channels")


async def test_numbers_and_addresses_go_to_the_channels_of_their_kind(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    mixed = await upload(
        api, tenant.writer_key, account, b"+31611111111\nann@example.com\n", channel=["SMS", "WHATSAPP", "EMAIL"]
    )
    sms_only = await upload(api, tenant.writer_key, account, b"bob@example.com\n")

    assert mixed.json()["optedOut"] == 2
    assert await opted_out(api, tenant, account, ["+31611111111"], "WHATSAPP") == [True]
    assert await opted_out(api, tenant, account, ["ann@example.com"], "EMAIL") == [True]
    assert sms_only.json()["invalid"] == [
        {
            "line": 1,
            "value": "bob@example.com",
            "message": '"bob@example.com" is an e-mail address, and the upload is for SMS.',
        }
    ]


async def test_an_upload_queues_no_confirmation(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await api.graphql(
        "mutation($a: ID!) { updateAccount(id: $a, sendConfirmation: true) { errors { code } } }",
        {"a": account},
        key=tenant.admin_key,
    )

    await upload(api, tenant.writer_key, account, b"+31611111111\n")

    data = await api.graphql(
        "query($a: ID!) { outboundMessages(accountId: $a) { totalCount } }", {"a": account}, key=tenant.reader_key
    )
    assert data["outboundMessages"]["totalCount"] == 0


async def test_an_unreadable_file_leaves_nothing_even_after_whole_batches(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    good = "".join(f"+3161{number:07d}\n" for number in range(12_000)).encode()  # more than two batches

    response = await upload(api, tenant.writer_key, account, good + b"+316\x0012\n")

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Line 12001 holds a NUL character, which no field may hold. Nothing of the file was taken."
    )
    assert await opted_out(api, tenant, account, ["+31610000000", "+31610011999"]) == [False, False]


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"channel": []}, "channel", "Name one channel"),
        ({"channel": ["SMSS"]}, "channel", '"SMSS" is not a channel'),
        ({"encoding": "ebcdic"}, "encoding", '"ebcdic" is not an encoding'),
        ({"accountId": "acc_x"}, "accountId", '"acc_x" is not a valid Account id'),
    ],
)
async def test_bad_parameters_are_refused_naming_them(
    tenant: Tenant, api: ApiClient, params: dict[str, Any], field: str, words: str
) -> None:
    account = await tenant.create_account()

    response = await upload(api, tenant.writer_key, account, b"+31611111111\n", **params)

    assert response.status_code == 400
    assert response.json()["error"]["field"] == field and words in response.json()["error"]["message"]


async def test_keys_without_the_right_or_of_another_organization_change_nothing(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()

    assert (await upload(api, None, account, b"+31611111111\n")).status_code == 401
    assert (await upload(api, tenant.reader_key, account, b"+31611111111\n")).status_code == 403
    assert (await upload(api, other_tenant.writer_key, account, b"+31611111111\n")).status_code == 404
    assert await opted_out(api, tenant, account, ["+31611111111"]) == [False]


async def test_a_file_larger_than_a_request_body_is_taken(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    body = b"+31611111111\n" + b"\n" * (5 * 1024 * 1024)  # over STOPLIST_MAX_BODY_BYTES (4 MiB)

    response = await upload(api, tenant.writer_key, account, body)

    assert response.status_code == 200 and response.json()["optedOut"] == 1


@pytest.mark.parametrize("route", ["/imports/optouts", "/imports/contacts"])
async def test_a_file_over_the_upload_limit_is_refused_as_soon_as_it_passes_it(
    tenant: Tenant, database_url: str, route: str
) -> None:
    from tests.conftest import PEPPER

    account = await tenant.create_account()
    env = {"DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER, "STOPLIST_MAX_UPLOAD_BYTES": "1048576"}
    sent = 0

    def endless() -> Iterator[bytes]:
        nonlocal sent
        yield b"phone\n"
        while sent < 64 * 1024 * 1024:
            sent += 65_533
            yield b"+31611111111\n" * 5_041

    def post() -> httpx.Response:
        with running_server(env) as server, httpx.Client(base_url=server.url, timeout=30) as http:
            return http.post(
                route,
                params={"accountId": account, "channel": "SMS"},
                content=endless(),
                headers={"authorization": f"Bearer {tenant.writer_key}"},
            )

    response = await asyncio.to_thread(post)

    assert response.status_code == 413
    assert response.json()["error"] == {"code": "BODY_TOO_LARGE", "message": "The request body exceeds 1048576 bytes."}
    assert sent < 32 * 1024 * 1024  # refused once past the limit, not read to its end
    assert await opted_out(tenant.api, tenant, account, ["+31611111111"]) == [False]
    contacts = await tenant.api.graphql(
        "query($a: ID!) { contacts(accountId: $a) { totalCount } }", {"a": account}, key=tenant.reader_key
    )
    assert contacts["contacts"]["totalCount"] == 0


async def test_uploaded_opt_outs_reach_the_live_feed_as_any_other(
    tenant: Tenant, api: ApiClient, server_url: str
) -> None:
    account = await tenant.create_account()

    async with subscribed(server_url, tenant.reader_key, {"accountIds": [account]}) as feed:
        await upload(api, tenant.writer_key, account, b"+31611111111\n+31622222222\n", channel=["SMS", "VOICE"])
        events = await feed.take(4)

    assert sorted((event["token"], event["channel"], event["source"]) for event in events) == [
        ("+31611111111", "SMS", "UPLOAD"),
        ("+31611111111", "VOICE", "UPLOAD"),
        ("+31622222222", "SMS", "UPLOAD"),
        ("+31622222222", "VOICE", "UPLOAD"),
    ]


CONTACTS = "query($a: ID!) { contacts(accountId: $a) { totalCount edges { node { phoneNumber groups { id } } } } }"


async def set_on_opt_out(api: ApiClient, tenant: Tenant, account: str, effect: str) -> None:
    await api.graphql(
        f"mutation($id: ID!) {{ updateAccount(id: $id, onOptOut: {effect}) {{ errors {{ code }} }} }}",
        {"id": account},
        key=tenant.admin_key,
    )


async def test_uploaded_opt_outs_take_their_contacts_out_of_groups(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await set_on_opt_out(api, tenant, account, "REMOVE_FROM_GROUPS")
    group = await tenant.create_group(account)
    for phone in ("+31611111111", "+31622222222", "+31633333333"):
        await tenant.create_contact(account, phone=phone, groups=[group])

    await upload(api, tenant.writer_key, account, b"+31611111111\n+31622222222\n")

    contacts = (await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key))["contacts"]["edges"]
    assert sorted((c["node"]["phoneNumber"], len(c["node"]["groups"])) for c in contacts) == [
        ("+31611111111", 0),
        ("+31622222222", 0),
        ("+31633333333", 1),
    ]


async def test_uploaded_opt_outs_delete_their_contacts_and_keep_the_history(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await set_on_opt_out(api, tenant, account, "DELETE_CONTACT")
    for phone in ("+31611111111", "+31622222222"):
        await tenant.create_contact(account, phone=phone)

    await upload(api, tenant.writer_key, account, b"+31611111111\n")

    contacts = (await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key))["contacts"]
    assert [edge["node"]["phoneNumber"] for edge in contacts["edges"]] == ["+31622222222"]
    history = await api.graphql(HISTORY, {"a": account, "t": "+31611111111"}, key=tenant.reader_key)
    assert [edge["node"]["source"] for edge in history["optOutHistory"]["edges"]] == ["UPLOAD"]
