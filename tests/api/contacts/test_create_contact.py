from tests.support.client import ApiClient
from tests.support.tenants import CREATE_CONTACT, Tenant

CONTACTS = """
query($a: ID!, $first: Int, $after: String) {
  contacts(accountId: $a, first: $first, after: $after) {
    totalCount
    edges {
      cursor
      node { id phoneNumber email firstName lastName groups { name } optOutStatus { channel optedOut token } }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_contact_numbers_are_normalised_in_the_accounts_country(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country="DE")
    group = await tenant.create_group(account, "Newsletter")

    data = await api.graphql(
        """mutation($a: ID!, $g: [ID!]) { createContact(accountId: $a, phoneNumber: "030 1234567",
             email: " Max@Example.DE ", firstName: "Max", lastName: "Muster", groupIds: $g) {
             contact { phoneNumber email firstName lastName groups { name } } errors { code } } }""",
        {"a": account, "g": [group]},
        key=tenant.writer_key,
    )

    assert data["createContact"] == {
        "contact": {
            "phoneNumber": "+49301234567",
            "email": "max@example.de",
            "firstName": "Max",
            "lastName": "Muster",
            "groups": [{"name": "Newsletter"}],
        },
        "errors": [],
    }


async def test_invalid_phone_number_names_the_value(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country="NL")

    data = await api.graphql(CREATE_CONTACT, {"accountId": account, "phone": "call me"}, key=tenant.writer_key)

    assert data["createContact"] == {
        "contact": None,
        "errors": [{"field": "phoneNumber", "code": "INVALID_TOKEN", "message": '"call me" is not a phone number.'}],
    }


async def test_contact_needs_a_token(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(CREATE_CONTACT, {"accountId": account}, key=tenant.writer_key)

    assert data["createContact"]["errors"] == [
        {"field": "phoneNumber", "code": "INVALID", "message": "A contact needs a phoneNumber or an email."}
    ]


async def test_reader_cannot_create_contacts(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(CREATE_CONTACT, {"accountId": account, "phone": "+31611111111"}, key=tenant.reader_key)

    assert data["createContact"]["errors"] == [
        {"field": None, "code": "FORBIDDEN", "message": "This API key's role (reader) cannot change data."}
    ]
    assert (await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key))["contacts"]["totalCount"] == 0


async def test_contact_shows_its_opt_out_status_per_channel(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.create_contact(account, phone="+31611111111", email="a@example.com")
    await tenant.opt_out(account, "+31611111111", ["WHATSAPP"])

    data = await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key)

    statuses = data["contacts"]["edges"][0]["node"]["optOutStatus"]
    assert [(s["channel"], s["optedOut"], s["token"]) for s in statuses] == [
        ("SMS", False, "+31611111111"),
        ("WHATSAPP", True, "+31611111111"),
        ("VOICE", False, "+31611111111"),
        ("RCS", False, "+31611111111"),
        ("EMAIL", False, "a@example.com"),
    ]


async def test_contact_pages_visit_every_contact_once_oldest_first(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    created = [await tenant.create_contact(account, phone=f"+3161111{n:04d}") for n in range(11)]

    seen, after = [], None
    while True:
        page = (await api.graphql(CONTACTS, {"a": account, "first": 4, "after": after}, key=tenant.reader_key))[
            "contacts"
        ]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == created
    assert page["totalCount"] == 11


async def test_opt_out_effect_remove_from_groups(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await api.graphql(
        "mutation($id: ID!) { updateAccount(id: $id, onOptOut: REMOVE_FROM_GROUPS) { errors { code } } }",
        {"id": account},
        key=tenant.admin_key,
    )
    group = await tenant.create_group(account)
    await tenant.create_contact(account, phone="+31611111111", groups=[group])

    await tenant.opt_out(account, "+31611111111", ["SMS"])

    contact = (await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key))["contacts"]["edges"][0]["node"]
    assert contact["groups"] == []


async def test_opt_out_effect_delete_contact_keeps_history(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await api.graphql(
        "mutation($id: ID!) { updateAccount(id: $id, onOptOut: DELETE_CONTACT) { errors { code } } }",
        {"id": account},
        key=tenant.admin_key,
    )
    await tenant.create_contact(account, phone="+31611111111")

    await tenant.opt_out(account, "+31611111111", ["SMS"])

    assert (await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key))["contacts"]["totalCount"] == 0
    history = await api.graphql(
        'query($a: ID!) { optOutHistory(accountId: $a, token: "+31611111111") { totalCount } }',
        {"a": account},
        key=tenant.reader_key,
    )
    assert history["optOutHistory"]["totalCount"] == 1
