from tests.support.client import ApiClient
from tests.support.tenants import CREATE_GROUP, Tenant

GROUPS = "query($a: ID!) { groups(accountId: $a) { id name bypassOptOut memberCount } }"
ADD = """
mutation($g: ID!, $c: [ID!]!) { addContactsToGroup(groupId: $g, contactIds: $c) {
  group { memberCount } errors { field code message } } }"""
BYPASS = """
mutation($g: ID!, $b: Boolean!) { setGroupBypass(groupId: $g, bypassOptOut: $b) {
  group { bypassOptOut } errors { field code message } } }"""


async def test_groups_list_with_member_counts(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    staff = await tenant.create_group(account, "Staff", bypass=True)
    customers = await tenant.create_group(account, "Customers")
    contact = await tenant.create_contact(account, phone="+31611111111", groups=[customers])
    await api.graphql(ADD, {"g": customers, "c": [contact]}, key=tenant.writer_key)  # already a member: no change

    data = await api.graphql(GROUPS, {"a": account}, key=tenant.reader_key)

    assert data["groups"] == [
        {"id": customers, "name": "Customers", "bypassOptOut": False, "memberCount": 1},
        {"id": staff, "name": "Staff", "bypassOptOut": True, "memberCount": 0},
    ]


async def test_duplicate_group_name_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.create_group(account, "VIP")

    data = await api.graphql(CREATE_GROUP, {"accountId": account, "name": "VIP"}, key=tenant.writer_key)

    assert data["createGroup"] == {
        "group": None,
        "errors": [{"field": "name", "code": "DUPLICATE", "message": 'This account already has a group named "VIP".'}],
    }


async def test_only_admins_create_bypass_groups(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(
        CREATE_GROUP, {"accountId": account, "name": "Staff", "bypass": True}, key=tenant.writer_key
    )

    assert data["createGroup"]["errors"] == [
        {
            "field": None,
            "code": "FORBIDDEN",
            "message": "This API key's role (writer) cannot create a group that bypasses opt-outs.",
        }
    ]
    assert (await api.graphql(GROUPS, {"a": account}, key=tenant.reader_key))["groups"] == []


async def test_set_group_bypass(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)

    refused = await api.graphql(BYPASS, {"g": group, "b": True}, key=tenant.writer_key)
    accepted = await api.graphql(BYPASS, {"g": group, "b": True}, key=tenant.admin_key)

    assert [e["code"] for e in refused["setGroupBypass"]["errors"]] == ["FORBIDDEN"]
    assert accepted["setGroupBypass"] == {"group": {"bypassOptOut": True}, "errors": []}


async def test_add_contacts_of_another_account_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account, other = await tenant.create_account(), await tenant.create_account()
    group = await tenant.create_group(account)
    mine = await tenant.create_contact(account, phone="+31611111111")
    theirs = await tenant.create_contact(other, phone="+31622222222")

    data = await api.graphql(ADD, {"g": group, "c": [mine, theirs]}, key=tenant.writer_key)

    assert data["addContactsToGroup"] == {
        "group": None,
        "errors": [
            {
                "field": "contactIds.1",
                "code": "NOT_FOUND",
                "message": f'Contact "{theirs}" does not exist in this account.',
            }
        ],
    }
    assert (await api.graphql(GROUPS, {"a": account}, key=tenant.reader_key))["groups"][0]["memberCount"] == 0


async def test_add_contacts(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    contacts = [await tenant.create_contact(account, phone=f"+3161111111{n}") for n in range(3)]

    data = await api.graphql(ADD, {"g": group, "c": contacts}, key=tenant.writer_key)

    assert data["addContactsToGroup"] == {"group": {"memberCount": 3}, "errors": []}
