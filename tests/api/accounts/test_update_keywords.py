from app.keywords import defaults
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

UPDATE = """
mutation($a: ID!, $out: [String!], $in: [String!], $help: [String!], $helpText: String, $confirm: String) {
  updateKeywords(
    accountId: $a, optOut: $out, optIn: $in, help: $help, helpText: $helpText, confirmationText: $confirm
  ) {
    account { keywords { optOut optIn help helpText confirmationText } }
    errors { field code message }
  }
}"""
KEYWORDS = "query($a: ID!) { account(id: $a) { keywords { optOut optIn help helpText confirmationText } } }"
DEFAULTS = {
    "optOut": list(defaults.OPT_OUT),
    "optIn": list(defaults.OPT_IN),
    "help": list(defaults.HELP),
    "helpText": defaults.HELP_TEXT,
    "confirmationText": defaults.CONFIRMATION_TEXT,
}


async def keywords(api: ApiClient, tenant: Tenant, account: str) -> dict[str, object]:
    return dict((await api.graphql(KEYWORDS, {"a": account}, key=tenant.reader_key))["account"]["keywords"])


async def test_a_new_account_has_the_default_keywords(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    assert await keywords(api, tenant, account) == DEFAULTS


async def test_given_sets_replace_omitted_ones_stay_and_null_restores_the_default(
    tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()
    await api.graphql(
        UPDATE, {"a": account, "out": [" Stop ", "Halt", "stop"], "helpText": "Call 0800"}, key=tenant.admin_key
    )

    data = await api.graphql(UPDATE, {"a": account, "in": ["Weiter"], "helpText": None}, key=tenant.admin_key)

    assert data["updateKeywords"]["errors"] == []
    assert data["updateKeywords"]["account"]["keywords"] == {
        **DEFAULTS,
        "optOut": ["Stop", "Halt"],  # trimmed, and "stop" is the same word as "Stop"
        "optIn": ["Weiter"],
    }


async def test_a_keyword_in_two_sets_is_refused_and_nothing_changes(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(UPDATE, {"a": account, "in": ["Arret"], "confirm": "Bye"}, key=tenant.admin_key)

    assert data["updateKeywords"] == {
        "account": None,
        "errors": [
            {
                "field": "optIn",
                "code": "INVALID",
                "message": 'The keyword "Arret" is in both optOut and optIn: a reply must mean one thing.',
            }
        ],
    }
    assert await keywords(api, tenant, account) == DEFAULTS


async def test_a_keyword_without_a_letter_or_digit_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(UPDATE, {"a": account, "out": ["STOP", "!!!"]}, key=tenant.admin_key)

    assert data["updateKeywords"]["errors"] == [
        {
            "field": "optOut.1",
            "code": "INVALID",
            "message": '"!!!" is not a keyword: 1 to 40 characters with a letter or digit.',
        }
    ]


async def test_an_empty_text_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(UPDATE, {"a": account, "confirm": "  "}, key=tenant.admin_key)

    assert data["updateKeywords"]["errors"] == [
        {
            "field": "confirmationText",
            "code": "INVALID",
            "message": "The confirmationText is 0 characters long; it must be 1 to 459.",
        }
    ]


async def test_a_writer_cannot_change_keywords(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(UPDATE, {"a": account, "out": ["HALT"]}, key=tenant.writer_key)

    assert [e["code"] for e in data["updateKeywords"]["errors"]] == ["FORBIDDEN"]
    assert await keywords(api, tenant, account) == DEFAULTS


async def test_an_account_key_cannot_change_a_siblings_keywords(tenant: Tenant, api: ApiClient) -> None:
    mine, sibling = await tenant.create_account(), await tenant.create_account()
    my_admin = await tenant.key("admin", mine)

    data = await api.graphql(UPDATE, {"a": sibling, "out": ["HALT"]}, key=my_admin)

    assert data["updateKeywords"]["errors"] == [
        {"field": "accountId", "code": "NOT_FOUND", "message": f'Account "{sibling}" does not exist.'}
    ]
    assert await keywords(api, tenant, sibling) == DEFAULTS
