from tests.support.client import ApiClient
from tests.support.tenants import Tenant

UPDATE = """
mutation($id: ID!, $scope: OptOutScope, $country: String, $effect: ContactOptOutEffect, $confirm: Boolean) {
  updateAccount(id: $id, optOutScope: $scope, defaultCountry: $country, onOptOut: $effect, sendConfirmation: $confirm) {
    account { optOutScope defaultCountry onOptOut sendConfirmation } errors { field code message }
  }
}"""
CLEAR_COUNTRY = """
mutation($id: ID!) { updateAccount(id: $id, defaultCountry: null) { account { defaultCountry } errors { code } } }"""
CHECK = 'query($a: ID!) { checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31611111111"]) { optedOut } }'


async def test_omitted_arguments_stay_as_they_are(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country="DE")

    data = await api.graphql(
        UPDATE, {"id": account, "effect": "REMOVE_FROM_GROUPS", "confirm": True}, key=tenant.admin_key
    )

    assert data["updateAccount"] == {
        "account": {
            "optOutScope": "ORGANIZATION",
            "defaultCountry": "DE",
            "onOptOut": "REMOVE_FROM_GROUPS",
            "sendConfirmation": True,
        },
        "errors": [],
    }


async def test_explicit_null_clears_the_default_country(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country="DE")

    data = await api.graphql(CLEAR_COUNTRY, {"id": account}, key=tenant.admin_key)

    assert data["updateAccount"] == {"account": {"defaultCountry": None}, "errors": []}


async def test_switching_to_an_own_list_and_back_keeps_both_lists(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31611111111", ["SMS"])  # into the organization list

    await api.graphql(UPDATE, {"id": account, "scope": "ACCOUNT"}, key=tenant.admin_key)
    in_own_list = (await api.graphql(CHECK, {"a": account}, key=tenant.reader_key))["checkOptOuts"]
    await tenant.opt_out(account, "+31622222222", ["SMS"])  # into its own list
    await api.graphql(UPDATE, {"id": account, "scope": "ORGANIZATION"}, key=tenant.admin_key)
    back_in_org_list = (await api.graphql(CHECK, {"a": account}, key=tenant.reader_key))["checkOptOuts"]
    await api.graphql(UPDATE, {"id": account, "scope": "ACCOUNT"}, key=tenant.admin_key)
    own_again = await api.graphql(
        'query($a: ID!) { checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31622222222"]) { optedOut } }',
        {"a": account},
        key=tenant.reader_key,
    )

    assert in_own_list == [{"optedOut": False}]
    assert back_in_org_list == [{"optedOut": True}]
    assert own_again["checkOptOuts"] == [{"optedOut": True}]


async def test_writer_cannot_change_settings(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(UPDATE, {"id": account, "scope": "ACCOUNT"}, key=tenant.writer_key)

    assert data["updateAccount"]["errors"] == [
        {"field": None, "code": "FORBIDDEN", "message": "This API key's role (writer) cannot change account settings."}
    ]


async def test_unknown_account_is_refused(tenant: Tenant, api: ApiClient) -> None:
    data = await api.graphql(UPDATE, {"id": "acc_nope"}, key=tenant.admin_key)

    assert data["updateAccount"]["errors"] == [
        {"field": "id", "code": "INVALID_ID", "message": '"acc_nope" is not a valid Account id.'}
    ]


async def test_an_account_key_cannot_change_its_accounts_opt_out_scope(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(scope="ACCOUNT", country="DE")
    account_admin = await tenant.key("admin", account)

    data = await api.graphql(UPDATE, {"id": account, "scope": "ORGANIZATION", "country": "NL"}, key=account_admin)

    assert data["updateAccount"] == {
        "account": None,
        "errors": [
            {
                "field": None,
                "code": "FORBIDDEN",
                "message": "An account-scoped API key cannot change an account's optOutScope.",
            }
        ],
    }
    unchanged = await api.graphql(
        "query($id: ID!) { account(id: $id) { optOutScope defaultCountry } }", {"id": account}, key=tenant.admin_key
    )
    assert unchanged == {"account": {"optOutScope": "ACCOUNT", "defaultCountry": "DE"}}


async def test_an_account_key_changes_its_accounts_other_settings(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(scope="ACCOUNT", country="DE")
    account_admin = await tenant.key("admin", account)

    data = await api.graphql(UPDATE, {"id": account, "scope": "ACCOUNT", "country": "NL"}, key=account_admin)

    assert data["updateAccount"]["errors"] == []
    assert data["updateAccount"]["account"]["defaultCountry"] == "NL"
