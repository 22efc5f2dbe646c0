"""A key of one organization never sees or changes another's data, through any query,
mutation or error message; an account key sees only its account."""

from tests.support.client import ApiClient
from tests.support.tenants import CREATE_CONTACT, CREATE_GROUP, OPT_OUT, Tenant

ACCOUNT = "query($id: ID!) { account(id: $id) { id } }"
CONTACTS = "query($a: ID!) { contacts(accountId: $a) { totalCount } }"
CHECK = 'query($a: ID!) { checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31611111111"]) { optedOut } }'


async def test_foreign_account_answers_exactly_as_a_missing_one(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient
) -> None:
    foreign = await other_tenant.create_account()
    missing = "acc_" + "f" * 32

    assert (await api.graphql(ACCOUNT, {"id": foreign}, key=tenant.admin_key)) == {"account": None}
    foreign_errors = await api.errors(CONTACTS, {"a": foreign}, key=tenant.admin_key)
    missing_errors = await api.errors(CONTACTS, {"a": missing}, key=tenant.admin_key)
    assert foreign_errors == [
        {"message": f'Account "{foreign}" does not exist.', "code": "NOT_FOUND", "field": "accountId"}
    ]
    assert missing_errors == [
        {"message": f'Account "{missing}" does not exist.', "code": "NOT_FOUND", "field": "accountId"}
    ]


async def test_foreign_organization_cannot_be_changed(tenant: Tenant, other_tenant: Tenant, api: ApiClient) -> None:
    foreign = await other_tenant.create_account()
    group = await other_tenant.create_group(foreign)
    contact = await other_tenant.create_contact(foreign, phone="+31611111111")

    opt_out = await api.graphql(
        OPT_OUT, {"input": {"accountId": foreign, "token": "+31611111111", "channels": ["SMS"]}}, key=tenant.admin_key
    )
    new_contact = await api.graphql(
        CREATE_CONTACT, {"accountId": foreign, "phone": "+31622222222"}, key=tenant.admin_key
    )
    new_group = await api.graphql(CREATE_GROUP, {"accountId": foreign, "name": "x"}, key=tenant.admin_key)
    added = await api.graphql(
        "mutation($g: ID!, $c: [ID!]!) { addContactsToGroup(groupId: $g, contactIds: $c) { errors { code message } } }",
        {"g": group, "c": [contact]},
        key=tenant.admin_key,
    )
    bypass = await api.graphql(
        "mutation($g: ID!) { setGroupBypass(groupId: $g, bypassOptOut: true) { errors { code message } } }",
        {"g": group},
        key=tenant.admin_key,
    )

    assert [e["code"] for e in opt_out["optOut"]["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in new_contact["createContact"]["errors"]] == ["NOT_FOUND"]
    assert [e["code"] for e in new_group["createGroup"]["errors"]] == ["NOT_FOUND"]
    assert added["addContactsToGroup"]["errors"] == [
        {"code": "NOT_FOUND", "message": f'Group "{group}" does not exist.'}
    ]
    assert bypass["setGroupBypass"]["errors"] == [{"code": "NOT_FOUND", "message": f'Group "{group}" does not exist.'}]
    assert (await api.graphql(CHECK, {"a": foreign}, key=other_tenant.reader_key))["checkOptOuts"] == [
        {"optedOut": False}
    ]
    assert (await api.graphql(CONTACTS, {"a": foreign}, key=other_tenant.reader_key))["contacts"]["totalCount"] == 1
    groups = await api.graphql(
        "query($a: ID!) { groups(accountId: $a) { bypassOptOut memberCount } }",
        {"a": foreign},
        key=other_tenant.reader_key,
    )
    assert groups["groups"] == [{"bypassOptOut": False, "memberCount": 0}]


async def test_opt_outs_of_one_organization_never_reach_another(
    tenant: Tenant, other_tenant: Tenant, api: ApiClient
) -> None:
    mine, theirs = await tenant.create_account(), await other_tenant.create_account()
    await other_tenant.opt_out(theirs, "+31611111111", ["SMS"])

    assert (await api.graphql(CHECK, {"a": mine}, key=tenant.reader_key))["checkOptOuts"] == [{"optedOut": False}]
    assert (await api.graphql("{ optOuts { totalCount } }", key=tenant.reader_key))["optOuts"]["totalCount"] == 0
    history = await api.graphql(
        'query($a: ID!) { optOutHistory(accountId: $a, token: "+31611111111") { totalCount } }',
        {"a": mine},
        key=tenant.reader_key,
    )
    assert history["optOutHistory"]["totalCount"] == 0


async def test_account_key_sees_only_its_account(tenant: Tenant, api: ApiClient) -> None:
    mine, sibling = await tenant.create_account(), await tenant.create_account()
    key = await tenant.key("writer", mine)
    await tenant.create_contact(sibling, phone="+31611111111")

    organization = await api.graphql("{ organization { accounts { id } } }", key=key)
    sibling_account = await api.graphql(ACCOUNT, {"id": sibling}, key=key)
    sibling_contacts = await api.errors(CONTACTS, {"a": sibling}, key=key)
    opt_out = await api.graphql(
        OPT_OUT, {"input": {"accountId": sibling, "token": "+31611111111", "channels": ["SMS"]}}, key=key
    )

    assert organization["organization"]["accounts"] == [{"id": mine}]
    assert sibling_account == {"account": None}
    assert [e["code"] for e in sibling_contacts] == ["NOT_FOUND"]
    assert [e["code"] for e in opt_out["optOut"]["errors"]] == ["NOT_FOUND"]
    assert (await api.graphql(CHECK, {"a": sibling}, key=tenant.reader_key))["checkOptOuts"] == [{"optedOut": False}]


async def test_an_account_key_cannot_switch_onto_the_organization_list_to_read_it(
    tenant: Tenant, api: ApiClient
) -> None:
    sibling = await tenant.create_account()
    await tenant.opt_out(sibling, "+31611111111", ["SMS"])  # in the organization list
    isolated = await tenant.create_account(scope="ACCOUNT")
    isolated_admin = await tenant.key("admin", isolated)

    switch = await api.graphql(
        "mutation($id: ID!) { updateAccount(id: $id, optOutScope: ORGANIZATION) { errors { code } } }",
        {"id": isolated},
        key=isolated_admin,
    )
    seen = await api.graphql("{ optOuts { edges { node { token } } } }", key=isolated_admin)
    checked = await api.graphql(CHECK, {"a": isolated}, key=isolated_admin)

    assert switch == {"updateAccount": {"errors": [{"code": "FORBIDDEN"}]}}
    assert seen == {"optOuts": {"edges": []}}
    assert checked == {"checkOptOuts": [{"optedOut": False}]}
