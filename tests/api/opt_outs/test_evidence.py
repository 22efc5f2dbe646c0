"""What an opt-out was made with is kept as its evidence, on the event, in the history and on
the live feed."""

from tests.support.client import ApiClient
from tests.support.feed import subscribed
from tests.support.tenants import Tenant

EVIDENCE = "evidence { campaign inboundText inboundMessageId linkCode ipAddress userAgent consentEvidence }"
OPT_OUT = f"""
mutation($input: OptOutInput!) {{
  optOut(input: $input) {{ events {{ cursor {EVIDENCE} }} errors {{ field code message }} }}
}}"""
HISTORY = f"""
query($a: ID!, $t: String!) {{
  optOutHistory(accountId: $a, token: $t) {{ edges {{ node {{ cursor {EVIDENCE} }} }} }}
}}"""
CAMPAIGN = {
    "campaign": "Black Friday",
    "inboundText": None,
    "inboundMessageId": None,
    "linkCode": None,
    "ipAddress": None,
    "userAgent": None,
    "consentEvidence": None,
}


async def test_the_campaign_is_kept_on_the_event_and_in_the_history(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    change = {"accountId": account, "token": "+31611111111", "channels": ["SMS"], "campaign": "Black Friday"}

    made = (await api.graphql(OPT_OUT, {"input": change}, key=tenant.writer_key))["optOut"]
    history = await api.graphql(HISTORY, {"a": account, "t": "+31611111111"}, key=tenant.reader_key)

    assert made["errors"] == []
    assert [event["evidence"] for event in made["events"]] == [CAMPAIGN]
    assert history["optOutHistory"]["edges"] == [{"node": made["events"][0]}]


async def test_an_event_without_evidence_has_none(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    change = {"accountId": account, "token": "+31611111111", "channels": ["SMS"]}

    made = (await api.graphql(OPT_OUT, {"input": change}, key=tenant.writer_key))["optOut"]

    assert [event["evidence"] for event in made["events"]] == [None]


async def test_subscribers_receive_the_evidence(tenant: Tenant, server_url: str, api: ApiClient) -> None:
    account = await tenant.create_account()
    query = f"subscription {{ optOutEvents(fromBeginning: true) {{ cursor {EVIDENCE} }} }}"
    change = {"accountId": account, "token": "+31611111111", "channels": ["SMS"], "campaign": "Black Friday"}
    made = (await api.graphql(OPT_OUT, {"input": change}, key=tenant.writer_key))["optOut"]["events"]

    async with subscribed(server_url, tenant.reader_key, query=query) as feed:
        received = await feed.next_data()

    assert received == {"optOutEvents": made[0]}


async def test_a_campaign_over_200_characters_is_refused(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    change = {"accountId": account, "token": "+31611111111", "channels": ["SMS"], "campaign": "x" * 201}

    made = (await api.graphql(OPT_OUT, {"input": change}, key=tenant.writer_key))["optOut"]

    assert made == {
        "events": [],
        "errors": [
            {
                "field": "input.campaign",
                "code": "INVALID",
                "message": "The campaign is 201 characters long; at most 200 are allowed.",
            }
        ],
    }


async def test_a_retry_with_another_campaign_is_another_call(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    change = {"accountId": account, "token": "+31611111111", "channels": ["SMS"], "idempotencyKey": "campaign-1"}
    await api.graphql(OPT_OUT, {"input": {**change, "campaign": "A"}}, key=tenant.writer_key)

    retried = (await api.graphql(OPT_OUT, {"input": {**change, "campaign": "B"}}, key=tenant.writer_key))["optOut"]

    assert [error["code"] for error in retried["errors"]] == ["IDEMPOTENCY_KEY_REUSED"]
