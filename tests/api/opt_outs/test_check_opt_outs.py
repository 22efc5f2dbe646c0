from tests.support.client import ApiClient
from tests.support.tenants import Tenant

CHECK = """
query($a: ID!, $channel: Channel!, $t: [String!]!) {
  checkOptOuts(accountId: $a, channel: $channel, tokens: $t) {
    input token tokenType channel optedOut since reason error { field code message }
  }
}"""


async def test_answers_every_token_in_order_with_invalid_ones_reported(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account(country="NL")
    await tenant.opt_out(account, "+31612345678", ["SMS"], reason="STOP")

    data = await api.graphql(
        CHECK,
        {"a": account, "channel": "SMS", "t": ["0612345678", "not a number", "+31687654321"]},
        key=tenant.reader_key,
    )

    rows = data["checkOptOuts"]
    assert [(r["input"], r["token"], r["optedOut"], r["reason"]) for r in rows] == [
        ("0612345678", "+31612345678", True, "STOP"),
        ("not a number", "not a number", False, None),
        ("+31687654321", "+31687654321", False, None),
    ]
    assert rows[0]["since"] is not None and rows[2]["since"] is None
    assert [r["error"] for r in rows] == [
        None,
        {"field": "tokens.1", "code": "INVALID_TOKEN", "message": '"not a number" is not a phone number.'},
        None,
    ]
    assert {(r["tokenType"], r["channel"]) for r in rows} == {("MSISDN", "SMS")}


async def test_email_channel_reads_email_tokens(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "jane@example.com", ["EMAIL"])

    data = await api.graphql(
        CHECK, {"a": account, "channel": "EMAIL", "t": ["JANE@example.com", "+31612345678"]}, key=tenant.reader_key
    )

    rows = data["checkOptOuts"]
    assert [(r["token"], r["optedOut"], r["error"] and r["error"]["code"]) for r in rows] == [
        ("jane@example.com", True, None),
        ("+31612345678", False, "INVALID_TOKEN"),
    ]


async def test_ten_thousand_tokens_are_checked_in_one_call(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31600000042", ["SMS"])
    tokens = [f"+316{n:08d}" for n in range(10_000)]

    data = await api.graphql(CHECK, {"a": account, "channel": "SMS", "t": tokens}, key=tenant.reader_key)

    rows = data["checkOptOuts"]
    assert len(rows) == 10_000
    assert [r["token"] for r in rows if r["optedOut"]] == ["+31600000042"]


async def test_more_than_ten_thousand_tokens_is_a_clear_error(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    errors = await api.errors(
        CHECK, {"a": account, "channel": "SMS", "t": ["+31612345678"] * 10_001}, key=tenant.reader_key
    )

    assert errors == [
        {"message": "tokens has 10,001 items; at most 10,000 are allowed.", "code": "TOO_MANY", "field": "tokens"}
    ]
