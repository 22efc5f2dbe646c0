"""Hostile and careless input over HTTP gets a clear error naming the field and the value, never
an internal error, and changes nothing."""

import asyncio
import base64
import json
from typing import Any

import pytest

from tests.support.client import ApiClient
from tests.support.tenants import CREATE_CONTACT, OPT_OUT, Tenant

CREATE_ACCOUNT = "mutation($n: String!) { createAccount(name: $n) { account { id } errors { code } } }"
ACCOUNTS = "{ organization { accounts { name } } }"
CONTACTS = "query($a: ID!, $after: String) { contacts(accountId: $a, after: $after) { totalCount } }"
CHECK = "query($a: ID!, $t: [String!]!) { checkOptOuts(accountId: $a, channel: SMS, tokens: $t) { optedOut } }"
HISTORY = """query($a: ID!, $t: String!, $after: String) {
  optOutHistory(accountId: $a, token: $t, after: $after) { totalCount } }"""


def nul_error(field: str, value: str) -> dict[str, Any]:
    shown = value.replace("\x00", "\\u0000")
    return {
        "message": f'{field} contains a NUL character, which cannot be stored: "{shown}".',
        "code": "INVALID",
        "field": field,
    }


async def opted_out(api: ApiClient, tenant: Tenant, account: str, token: str) -> bool:
    data = await api.graphql(CHECK, {"a": account, "t": [token]}, key=tenant.reader_key)
    return bool(data["checkOptOuts"][0]["optedOut"])


async def test_a_nul_in_a_name_is_refused_and_creates_nothing(tenant: Tenant, api: ApiClient) -> None:
    errors = await api.errors(CREATE_ACCOUNT, {"n": "Sh\x00op"}, key=tenant.admin_key)

    assert errors == [nul_error("name", "Sh\x00op")]
    assert await api.graphql(ACCOUNTS, key=tenant.admin_key) == {"organization": {"accounts": []}}


async def test_a_nul_written_in_the_document_is_refused_alike(tenant: Tenant, api: ApiClient) -> None:
    errors = await api.errors(
        'mutation { createAccount(name: "Sh\\u0000op") { errors { code } } }', key=tenant.admin_key
    )

    assert errors == [nul_error("name", "Sh\x00op")]


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"phone": "+31611111111", "first": "Ma\x00x"}, "firstName"),
        ({"phone": "+31611111111", "last": "\x00"}, "lastName"),
        ({"email": "max\x00@example.com"}, "email"),
        ({"phone": "+3161111\x001111"}, "phoneNumber"),
    ],
)
async def test_a_nul_in_a_contact_is_refused_and_creates_nothing(
    tenant: Tenant, api: ApiClient, arguments: dict[str, str], field: str
) -> None:
    account = await tenant.create_account()
    query = """mutation($a: ID!, $phone: String, $email: String, $first: String, $last: String) {
      createContact(accountId: $a, phoneNumber: $phone, email: $email, firstName: $first, lastName: $last) {
        errors { code } } }"""
    value = next(v for v in arguments.values() if "\x00" in v)

    errors = await api.errors(query, {"a": account, **arguments}, key=tenant.writer_key)

    assert errors == [nul_error(field, value)]
    assert await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key) == {"contacts": {"totalCount": 0}}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"reason": "STOP\x00"}, "input.reason"),
        ({"idempotencyKey": "retry-\x001"}, "input.idempotencyKey"),
        ({"token": "+3161111\x001111"}, "input.token"),
    ],
)
async def test_a_nul_in_an_opt_out_is_refused_and_opts_nothing_out(
    tenant: Tenant, api: ApiClient, extra: dict[str, str], field: str
) -> None:
    account = await tenant.create_account()
    change = {"accountId": account, "token": "+31611111111", "channels": ["SMS"], **extra}

    errors = await api.errors(OPT_OUT, {"input": change}, key=tenant.writer_key)

    assert errors == [nul_error(field, next(v for v in extra.values()))]
    assert not await opted_out(api, tenant, account, "+31611111111")


async def test_a_nul_in_a_checked_token_names_its_place(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    errors = await api.errors(CHECK, {"a": account, "t": ["+31611111111", "a\x00@b.nl"]}, key=tenant.reader_key)

    assert errors == [nul_error("tokens.1", "a\x00@b.nl")]


async def test_a_nul_in_a_history_token_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    errors = await api.errors(HISTORY, {"a": account, "t": "a\x00@b.nl"}, key=tenant.reader_key)

    assert errors == [nul_error("token", "a\x00@b.nl")]


async def test_a_string_over_ten_thousand_characters_is_refused(tenant: Tenant, api: ApiClient) -> None:
    errors = await api.errors(CREATE_ACCOUNT, {"n": "x" * 10_001}, key=tenant.admin_key)

    assert errors == [
        {"message": "name is 10,001 characters long; at most 10,000 are allowed.", "code": "INVALID", "field": "name"}
    ]


async def test_forty_thousand_group_ids_are_refused_and_create_no_contact(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    groups = ["grp_" + "0" * 32] * 40_000

    errors = await api.errors(
        CREATE_CONTACT, {"accountId": account, "phone": "+31611111111", "groups": groups}, key=tenant.writer_key
    )

    assert errors == [
        {"message": "groupIds has 40,000 items; at most 100 are allowed.", "code": "TOO_MANY", "field": "groupIds"}
    ]
    assert await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key) == {"contacts": {"totalCount": 0}}


@pytest.mark.parametrize(
    ("query", "variables", "field", "count", "maximum"),
    [
        (
            "mutation($g: ID!, $c: [ID!]!) { addContactsToGroup(groupId: $g, contactIds: $c) { errors { code } } }",
            {"g": "grp_" + "0" * 32, "c": ["con_" + "0" * 32] * 10_001},
            "contactIds",
            10_001,
            10_000,
        ),
        (
            "query($a: ID!, $g: [ID!]!) { audience(accountId: $a, groupIds: $g, channel: SMS) { totalCount } }",
            {"a": "acc_" + "0" * 32, "g": ["grp_" + "0" * 32] * 101},
            "groupIds",
            101,
            100,
        ),
        (
            OPT_OUT,
            {"input": {"accountId": "acc_" + "0" * 32, "token": "+31611111111", "channels": ["SMS"] * 6}},
            "input.channels",
            6,
            5,
        ),
    ],
)
async def test_every_list_argument_has_a_maximum(
    tenant: Tenant, api: ApiClient, query: str, variables: dict[str, Any], field: str, count: int, maximum: int
) -> None:
    errors = await api.errors(query, variables, key=tenant.admin_key)

    assert errors == [
        {
            "message": f"{field} has {count:,} items; at most {maximum:,} are allowed.",
            "code": "TOO_MANY",
            "field": field,
        }
    ]


def crafted(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode()


LIST_CURSORS = [
    crafted("contacts", "2020-13-45T00:00:00+00:00", "x"),
    crafted("optouts", 1, 2, 3),
    crafted("optouts", "MSISDN", "SMS", "\u0000"),
    crafted("audience", None),
    "².1",
    "not a cursor",
]


@pytest.mark.parametrize("cursor", LIST_CURSORS)
@pytest.mark.parametrize(
    "query",
    [
        CONTACTS,
        "query($after: String) { optOuts(after: $after) { totalCount } }",
        "query($a: ID!, $g: ID!, $after: String) { audience(accountId: $a, groupIds: [$g], channel: SMS,"
        " after: $after) { edges { cursor } } }",
    ],
    ids=["contacts", "optOuts", "audience"],
)
async def test_a_crafted_list_cursor_is_an_invalid_cursor(
    tenant: Tenant, api: ApiClient, query: str, cursor: str
) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)

    errors = await api.errors(query, {"a": account, "g": group, "after": cursor}, key=tenant.reader_key)

    assert [(e["code"], e["field"]) for e in errors] == [("INVALID_CURSOR", "after")]
    assert errors[0]["message"].endswith(" is not a cursor of this list.")


@pytest.mark.parametrize(
    "cursor", ["².1", "18446744073709551616.1", "1.9223372036854775808", "1.2.3", crafted("contacts", 1, 2)]
)
async def test_a_crafted_history_cursor_is_an_invalid_cursor(tenant: Tenant, api: ApiClient, cursor: str) -> None:
    account = await tenant.create_account()

    errors = await api.errors(HISTORY, {"a": account, "t": "+31611111111", "after": cursor}, key=tenant.reader_key)

    assert errors == [{"message": f'"{cursor}" is not an event cursor.', "code": "INVALID_CURSOR", "field": "after"}]


async def exchange(host: str, port: int, bodies: list[bytes], key: str) -> list[tuple[int, dict[str, Any]]]:
    """POSTs each body in turn on one kept-alive connection, as a browser or SDK would."""
    reader, writer = await asyncio.open_connection(host, port)
    answers = []
    try:
        for body in bodies:
            writer.write(
                b"POST /graphql HTTP/1.1\r\nHost: stoplist\r\nContent-Type: application/json\r\n"
                + f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            status_line = await asyncio.wait_for(reader.readline(), 10)
            headers = {}
            while (line := await reader.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                headers[name.strip().lower()] = value.strip()
            payload = await reader.readexactly(int(headers["content-length"]))
            answers.append((int(status_line.split()[1]), json.loads(payload)))
    finally:
        writer.close()
    return answers


@pytest.mark.parametrize(
    ("body", "found"),
    [(b"null", "null"), (b"42", "42"), (b'"x"', '"x"'), (b"true", "true"), (b"[]", "an array")],
)
async def test_a_body_that_is_not_a_json_object_is_a_400_and_the_connection_stays_usable(
    tenant: Tenant, server_url: str, body: bytes, found: str
) -> None:
    host, port = server_url.removeprefix("http://").split(":")
    good = json.dumps({"query": "{ organization { id } }"}).encode()

    answers = await exchange(host, int(port), [body, good], tenant.reader_key)

    assert answers == [
        (
            400,
            {"errors": [{"message": f"Expected a JSON object, found {found}.", "extensions": {"code": "BAD_REQUEST"}}]},
        ),
        (200, {"data": {"organization": {"id": tenant.public_id}}}),
    ]


async def test_a_subscription_over_http_is_refused(tenant: Tenant, api: ApiClient) -> None:
    response = await api.post("subscription { optOutEvents { cursor } }", None, key=tenant.reader_key)

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "Subscriptions are served over WebSocket at /graphql (graphql-transport-ws or graphql-ws),"
                " not over HTTP.",
                "extensions": {"code": "BAD_REQUEST"},
            }
        ]
    }


async def test_a_mutation_over_get_is_refused(tenant: Tenant, api: ApiClient) -> None:
    response = await api.http.get(
        "/graphql",
        params={"query": 'mutation { createAccount(name: "x") { errors { code } } }'},
        headers={"authorization": f"Bearer {tenant.admin_key}"},
    )

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Mutations are not allowed over GET: send them with POST."
    assert await api.graphql(ACCOUNTS, key=tenant.admin_key) == {"organization": {"accounts": []}}


async def test_a_document_over_a_hundred_thousand_characters_is_refused(tenant: Tenant, api: ApiClient) -> None:
    # One comment is one token: the token limit alone lets a document grow to the body limit.
    query = "#" + "x" * 100_000 + "\n{ organization { id } }"

    response = await api.post(query, None, key=tenant.reader_key)

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "The GraphQL document is 100,025 characters long; at most 100,000 are allowed."
    )
