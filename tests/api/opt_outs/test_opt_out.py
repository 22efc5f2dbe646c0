import asyncio

from tests.support.client import ApiClient
from tests.support.tenants import OPT_OUT, Tenant

HISTORY = """
query($accountId: ID!, $token: String!) {
  optOutHistory(accountId: $accountId, token: $token) { totalCount edges { node { channel action source reason } } }
}"""


async def history(tenant: Tenant, account_id: str, token: str) -> list[dict[str, str]]:
    data = await tenant.api.graphql(HISTORY, {"accountId": account_id, "token": token}, key=tenant.admin_key)
    return [edge["node"] for edge in data["optOutHistory"]["edges"]]


async def test_opt_out_records_one_event_per_channel_with_every_field(tenant: Tenant) -> None:
    account = await tenant.create_account(country="NL")

    events = await tenant.opt_out(
        account, "06 1234 5678", ["SMS", "WHATSAPP"], reason="STOP received", source="KEYWORD"
    )

    assert [
        (e["channel"], e["action"], e["token"], e["tokenType"], e["source"], e["reason"], e["scope"], e["accountId"])
        for e in events
    ] == [
        ("SMS", "OPT_OUT", "+31612345678", "MSISDN", "KEYWORD", "STOP received", "ORGANIZATION", account),
        ("WHATSAPP", "OPT_OUT", "+31612345678", "MSISDN", "KEYWORD", "STOP received", "ORGANIZATION", account),
    ]
    assert events[0]["cursor"] != events[1]["cursor"]
    assert events[0]["id"] != events[1]["id"]
    assert events[0]["occurredAt"].startswith("20")


async def test_repeated_opt_out_changes_nothing_and_returns_no_event(tenant: Tenant) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS"])

    again = await tenant.opt_out(account, "+31612345678", ["SMS", "VOICE"])

    assert [e["channel"] for e in again] == ["VOICE"]
    assert await history(tenant, account, "+31612345678") == [
        {"channel": "SMS", "action": "OPT_OUT", "source": "API", "reason": None},
        {"channel": "VOICE", "action": "OPT_OUT", "source": "API", "reason": None},
    ]


async def test_opt_out_of_one_channel_leaves_the_others_untouched(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS"])

    data = await api.graphql(
        """query($a: ID!) {
             sms: checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31612345678"]) { optedOut }
             wa: checkOptOuts(accountId: $a, channel: WHATSAPP, tokens: ["+31612345678"]) { optedOut } }""",
        {"a": account},
        key=tenant.reader_key,
    )

    assert data == {"sms": [{"optedOut": True}], "wa": [{"optedOut": False}]}


async def test_email_is_trimmed_and_lower_cased(tenant: Tenant) -> None:
    account = await tenant.create_account()

    events = await tenant.opt_out(account, "  Jane.Doe@Example.COM ", ["EMAIL"])

    assert [(e["token"], e["tokenType"], e["channel"]) for e in events] == [("jane.doe@example.com", "EMAIL", "EMAIL")]


async def test_possible_but_unassigned_number_is_still_recorded(tenant: Tenant) -> None:
    # +1 555 123 4567 is the right length for NANP but not a valid number by today's plan.
    account = await tenant.create_account(country=None)

    events = await tenant.opt_out(account, "+1 (555) 123-4567", ["SMS"])

    assert [e["token"] for e in events] == ["+15551234567"]


async def test_email_cannot_opt_out_of_sms(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(
        OPT_OUT,
        {"input": {"accountId": account, "token": "jane@example.com", "channels": ["SMS"]}},
        key=tenant.writer_key,
    )

    assert data["optOut"] == {
        "events": [],
        "errors": [
            {
                "field": "input.channels",
                "code": "CHANNEL_MISMATCH",
                "message": 'Channel SMS does not apply to an e-mail address ("jane@example.com").',
            }
        ],
    }
    assert await history(tenant, account, "jane@example.com") == []


async def test_phone_number_cannot_opt_out_of_email(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(
        OPT_OUT,
        {"input": {"accountId": account, "token": "+31612345678", "channels": ["EMAIL"]}},
        key=tenant.writer_key,
    )

    assert data["optOut"]["errors"] == [
        {
            "field": "input.channels",
            "code": "CHANNEL_MISMATCH",
            "message": 'Channel EMAIL does not apply to a phone number ("+31612345678").',
        }
    ]


async def test_invalid_phone_number_is_refused_naming_it(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country="NL")

    data = await api.graphql(
        OPT_OUT, {"input": {"accountId": account, "token": "12", "channels": ["SMS"]}}, key=tenant.writer_key
    )

    assert data["optOut"] == {
        "events": [],
        "errors": [
            {
                "field": "input.token",
                "code": "INVALID_TOKEN",
                "message": '"12" is not a possible phone number for country NL.',
            }
        ],
    }


async def test_national_number_without_default_country_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country=None)

    data = await api.graphql(
        OPT_OUT, {"input": {"accountId": account, "token": "0612345678", "channels": ["SMS"]}}, key=tenant.writer_key
    )

    assert data["optOut"]["errors"] == [
        {
            "field": "input.token",
            "code": "INVALID_TOKEN",
            "message": '"0612345678" is not in international format (+...) and the account has no defaultCountry.',
        }
    ]


async def test_no_channel_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(
        OPT_OUT, {"input": {"accountId": account, "token": "+31612345678", "channels": []}}, key=tenant.writer_key
    )

    assert data["optOut"]["errors"] == [
        {"field": "input.channels", "code": "INVALID", "message": "Name at least one channel."}
    ]


async def test_reader_key_cannot_opt_out(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    data = await api.graphql(
        OPT_OUT, {"input": {"accountId": account, "token": "+31612345678", "channels": ["SMS"]}}, key=tenant.reader_key
    )

    assert data["optOut"] == {
        "events": [],
        "errors": [
            {"field": None, "code": "FORBIDDEN", "message": "This API key's role (reader) cannot change opt-outs."}
        ],
    }
    assert await history(tenant, account, "+31612345678") == []


async def test_unknown_account_is_refused(tenant: Tenant, api: ApiClient) -> None:
    missing = "acc_" + "0" * 32

    data = await api.graphql(
        OPT_OUT, {"input": {"accountId": missing, "token": "+31612345678", "channels": ["SMS"]}}, key=tenant.writer_key
    )

    assert data["optOut"]["errors"] == [
        {"field": "input.accountId", "code": "NOT_FOUND", "message": f'Account "{missing}" does not exist.'}
    ]


async def test_concurrent_opt_outs_of_one_token_record_exactly_one_event(tenant: Tenant) -> None:
    account = await tenant.create_account()

    results = await asyncio.gather(*(tenant.opt_out(account, "+31612345678", ["SMS"]) for _ in range(10)))

    assert sum(len(events) for events in results) == 1
    assert await history(tenant, account, "+31612345678") == [
        {"channel": "SMS", "action": "OPT_OUT", "source": "API", "reason": None}
    ]


async def test_a_burst_of_opt_outs_is_never_refused(tenant: Tenant) -> None:
    account = await tenant.create_account()
    tokens = [f"+3161000{n:04d}" for n in range(200)]

    results = await asyncio.gather(*(tenant.opt_out(account, token, ["SMS"]) for token in tokens))

    assert sorted(events[0]["token"] for events in results) == tokens
