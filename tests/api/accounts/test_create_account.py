from tests.support.client import ApiClient
from tests.support.tenants import CREATE_ACCOUNT, Tenant

ACCOUNT = "query($id: ID!) { account(id: $id) { id name optOutScope defaultCountry onOptOut sendConfirmation } }"


async def test_create_account_with_defaults(tenant: Tenant, api: ApiClient) -> None:
    data = await api.graphql(CREATE_ACCOUNT, {"name": " Shop ", "country": "nl"}, key=tenant.admin_key)

    account_id = data["createAccount"]["account"]["id"]
    assert (await api.graphql(ACCOUNT, {"id": account_id}, key=tenant.reader_key))["account"] == {
        "id": account_id,
        "name": "Shop",
        "optOutScope": "ORGANIZATION",
        "defaultCountry": "NL",
        "onOptOut": "KEEP",
        "sendConfirmation": False,
    }


async def test_unknown_country_is_refused(tenant: Tenant, api: ApiClient) -> None:
    data = await api.graphql(CREATE_ACCOUNT, {"name": "Shop", "country": "XX"}, key=tenant.admin_key)

    assert data["createAccount"] == {
        "account": None,
        "errors": [
            {"field": "defaultCountry", "code": "INVALID", "message": '"XX" is not an ISO 3166 alpha-2 country code.'}
        ],
    }


async def test_empty_name_is_refused(tenant: Tenant, api: ApiClient) -> None:
    data = await api.graphql(CREATE_ACCOUNT, {"name": "  "}, key=tenant.admin_key)

    assert data["createAccount"]["errors"] == [
        {"field": "name", "code": "INVALID", "message": '"  " is not a valid account name (1 to 200 characters).'}
    ]


async def test_writer_cannot_create_accounts(tenant: Tenant, api: ApiClient) -> None:
    data = await api.graphql(CREATE_ACCOUNT, {"name": "Shop"}, key=tenant.writer_key)

    assert data["createAccount"] == {
        "account": None,
        "errors": [
            {"field": None, "code": "FORBIDDEN", "message": "This API key's role (writer) cannot create accounts."}
        ],
    }
    organization = await api.graphql("{ organization { accounts { id } } }", key=tenant.admin_key)
    assert organization["organization"]["accounts"] == []


async def test_account_scoped_admin_cannot_create_accounts(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    account_admin = await tenant.key("admin", account)

    data = await api.graphql(CREATE_ACCOUNT, {"name": "Shop"}, key=account_admin)

    assert data["createAccount"]["errors"] == [
        {"field": None, "code": "FORBIDDEN", "message": "An account-scoped API key cannot create accounts."}
    ]
