"""POST /inbound/sms: a reply opts its sender out, back in, or asks for help; every message is
kept with what it did; a gateway's retry does nothing twice."""

import base64
from typing import Any

import httpx
import pytest

from app.keywords.defaults import HELP_TEXT
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

SENDER = "+31611111111"
CHECK = """
query($a: ID!, $c: Channel!) {
  checkOptOuts(accountId: $a, channel: $c, tokens: ["+31611111111"]) { optedOut reason }
}"""
HISTORY = """
query($a: ID!) { optOutHistory(accountId: $a, token: "+31611111111") {
  edges { node { channel action source reason evidence { inboundText inboundMessageId } } } } }"""
INBOUND = """
query($a: ID!, $review: Boolean) { inboundMessages(accountId: $a, needsReview: $review) {
  totalCount edges { node { id from to body action needsReview reason reply messageId } } } }"""
RESOLVE = """
mutation($id: ID!, $optOut: Boolean!) {
  resolveInboundMessage(id: $id, optOut: $optOut) { errors { field code message } }
}"""


async def post(api: ApiClient, key: str | None, body: dict[str, Any], **options: Any) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"} if key else {}
    return await api.http.post("/inbound/sms", json=body, headers=headers, **options)


def sms(account: str, text: str, **extra: Any) -> dict[str, Any]:
    return {"accountId": account, "from": SENDER, "to": "3010", "body": text, **extra}


async def opted_out(api: ApiClient, tenant: Tenant, account: str, channel: str = "SMS") -> bool:
    data = await api.graphql(CHECK, {"a": account, "c": channel}, key=tenant.reader_key)
    return bool(data["checkOptOuts"][0]["optedOut"])


async def test_stop_opts_the_sender_out_of_sms_and_keeps_the_reply_as_evidence(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    response = await post(api, tenant.writer_key, sms(account, "STOP", messageId="gw-1"))

    assert (response.status_code, response.json()) == (200, {"action": "OPT_OUT", "reply": None, "needsReview": False})
    assert await opted_out(api, tenant, account, "SMS")
    assert not await opted_out(api, tenant, account, "VOICE")
    history = await api.graphql(HISTORY, {"a": account}, key=tenant.reader_key)
    assert history["optOutHistory"]["edges"] == [
        {
            "node": {
                "channel": "SMS",
                "action": "OPT_OUT",
                "source": "KEYWORD",
                "reason": "STOP",
                "evidence": {"inboundText": "STOP", "inboundMessageId": "gw-1"},
            }
        }
    ]
    report = await api.graphql(INBOUND, {"a": account}, key=tenant.reader_key)
    assert [edge["node"] | {"id": None} for edge in report["inboundMessages"]["edges"]] == [
        {
            "id": None,
            "from": SENDER,
            "to": "3010",
            "body": "STOP",
            "action": "OPT_OUT",
            "needsReview": False,
            "reason": "STOP",
            "reply": None,
            "messageId": "gw-1",
        }
    ]


@pytest.mark.parametrize("text", ["  stop! ", "Stop.", "Arrêt", "arret", "opt-out", "UNSUBSCRIBE", "Abmelden"])
async def test_keywords_match_whatever_their_case_accents_and_punctuation(
    tenant: Tenant, api: ApiClient, text: str
) -> None:
    account = await tenant.create_account()

    response = await post(api, tenant.writer_key, sms(account, text))

    assert response.json()["action"] == "OPT_OUT"
    assert await opted_out(api, tenant, account)


async def test_stopall_opts_out_of_every_phone_channel_and_start_opts_back_in_to_sms(
    tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()

    await post(api, tenant.writer_key, sms(account, "STOPALL"))
    after_stopall = [await opted_out(api, tenant, account, channel) for channel in ("SMS", "WHATSAPP", "VOICE", "RCS")]
    started = await post(api, tenant.writer_key, sms(account, "start"))

    assert after_stopall == [True, True, True, True]
    assert started.json()["action"] == "OPT_IN"
    assert not await opted_out(api, tenant, account, "SMS")
    assert await opted_out(api, tenant, account, "VOICE")


async def test_help_is_answered_with_the_help_text_and_changes_nothing(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    response = await post(api, tenant.writer_key, sms(account, "Help"))

    assert response.json() == {"action": "HELP", "reply": HELP_TEXT, "needsReview": False}
    assert not await opted_out(api, tenant, account)


async def test_a_reply_that_reads_as_a_revocation_opts_out_and_chat_changes_nothing(
    tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()

    chat = await post(api, tenant.writer_key, sms(account, "when do you stop serving lunch?"))
    chat_opted_out = await opted_out(api, tenant, account)
    revocation = await post(api, tenant.writer_key, sms(account, "please stop texting me"))

    assert chat.json() == {"action": "NONE", "reply": None, "needsReview": False}
    assert not chat_opted_out
    assert revocation.json() == {"action": "OPT_OUT", "reply": None, "needsReview": False}
    reason = (await api.graphql(CHECK, {"a": account, "c": "SMS"}, key=tenant.reader_key))["checkOptOuts"][0]["reason"]
    assert reason.startswith("A reply read as a revocation")


async def test_an_unclear_reply_waits_for_review_and_a_person_decides(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    response = await post(api, tenant.writer_key, sms(account, "enough already"))
    waiting = await api.graphql(INBOUND, {"a": account, "review": True}, key=tenant.reader_key)
    (message,) = [edge["node"] for edge in waiting["inboundMessages"]["edges"]]
    decided = await api.graphql(RESOLVE, {"id": message["id"], "optOut": True}, key=tenant.writer_key)
    again = await api.graphql(RESOLVE, {"id": message["id"], "optOut": False}, key=tenant.writer_key)

    assert response.json() == {"action": "NONE", "reply": None, "needsReview": True}
    assert decided["resolveInboundMessage"]["errors"] == []
    assert await opted_out(api, tenant, account)
    assert again["resolveInboundMessage"]["errors"] == [
        {"field": "id", "code": "INVALID", "message": f'Inbound message "{message["id"]}" is not waiting for review.'}
    ]
    assert (await api.graphql(INBOUND, {"a": account, "review": True}, key=tenant.reader_key))["inboundMessages"][
        "totalCount"
    ] == 0


async def test_a_gateways_retry_of_a_message_does_nothing_twice(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    first = await post(api, tenant.writer_key, sms(account, "STOP", messageId="gw-42"))
    retry = await post(api, tenant.writer_key, sms(account, "STOP", messageId="gw-42"))

    assert first.json() == retry.json()
    assert (await api.graphql(INBOUND, {"a": account}, key=tenant.reader_key))["inboundMessages"]["totalCount"] == 1
    assert len((await api.graphql(HISTORY, {"a": account}, key=tenant.reader_key))["optOutHistory"]["edges"]) == 1


async def test_a_gateway_can_post_a_form_with_the_key_as_basic_auth_password(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    basic = base64.b64encode(f"gateway:{tenant.writer_key}".encode()).decode()

    response = await api.http.post(
        "/inbound/sms",
        params={"accountId": account},
        data={"From": SENDER, "To": "3010", "Body": "Stop", "MessageSid": "SM123"},
        headers={"authorization": f"Basic {basic}"},
    )

    assert (response.status_code, response.json()["action"]) == (200, "OPT_OUT")
    assert await opted_out(api, tenant, account)


async def test_the_accounts_own_keywords_are_used(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    update = 'mutation($a: ID!) { updateKeywords(accountId: $a, optOut: ["HALT"]) { errors { code } } }'
    await api.graphql(update, {"a": account}, key=tenant.admin_key)

    response = await post(api, tenant.writer_key, sms(account, "halt"))

    assert response.json()["action"] == "OPT_OUT"


async def test_a_stop_queues_a_confirmation_when_the_account_sends_them(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    confirm = "mutation($a: ID!) { updateAccount(id: $a, sendConfirmation: true) { errors { code } } }"
    await api.graphql(confirm, {"a": account}, key=tenant.admin_key)
    outbound = "query($a: ID!) { outboundMessages(accountId: $a) { totalCount edges { node { to kind } } } }"

    await post(api, tenant.writer_key, sms(account, "STOP"))
    await post(api, tenant.writer_key, sms(account, "STOP"))  # already opted out: no second confirmation

    data = await api.graphql(outbound, {"a": account}, key=tenant.reader_key)
    assert data["outboundMessages"] == {"totalCount": 1, "edges": [{"node": {"to": SENDER, "kind": "CONFIRMATION"}}]}


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"from": "not a number"}, 400, {"code": "INVALID_TOKEN", "field": "from"}),
        ({"body": None}, 400, {"code": "INVALID", "field": "body"}),
        ({"body": "STOP\x00"}, 400, {"code": "INVALID", "field": "body"}),
        ({"body": "x" * 2_001}, 400, {"code": "INVALID", "field": "body"}),
        ({"accountId": "acc_nope"}, 400, {"code": "INVALID_ID", "field": "accountId"}),
        ({"accountId": "acc_" + "0" * 32}, 404, {"code": "NOT_FOUND", "field": "accountId"}),
        ({"receivedAt": "yesterday"}, 400, {"code": "INVALID", "field": "receivedAt"}),
    ],
)
async def test_a_bad_message_is_refused_naming_the_field_and_changes_nothing(
    tenant: Tenant, api: ApiClient, change: dict[str, Any], status: int, error: dict[str, str]
) -> None:
    account = await tenant.create_account()

    response = await post(api, tenant.writer_key, sms(account, "STOP") | change)

    assert response.status_code == status
    assert {k: v for k, v in response.json()["error"].items() if k != "message"} == error
    assert not await opted_out(api, tenant, account)
    assert (await api.graphql(INBOUND, {"a": account}, key=tenant.reader_key))["inboundMessages"]["totalCount"] == 0


async def test_a_bad_time_is_named_with_its_value_quoted(tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()

    response = await post(api, tenant.writer_key, sms(account, "STOP") | {"receivedAt": "yesterday\n"})

    assert response.json()["error"] == {
        "code": "INVALID",
        "field": "receivedAt",
        "message": 'receivedAt is "yesterday\\u000a", not an ISO 8601 time.',
    }


async def test_keys_that_may_not_post_are_refused(tenant: Tenant, other_tenant: Tenant, api: ApiClient) -> None:
    account = await tenant.create_account()
    sibling = await tenant.create_account()
    sibling_writer = await tenant.key("writer", sibling)

    no_key = await post(api, None, sms(account, "STOP"))
    reader = await post(api, tenant.reader_key, sms(account, "STOP"))
    foreign = await post(api, other_tenant.writer_key, sms(account, "STOP"))
    sibling_key = await post(api, sibling_writer, sms(account, "STOP"))

    assert (no_key.status_code, no_key.json()["error"]["code"]) == (401, "UNAUTHENTICATED")
    assert (reader.status_code, reader.json()["error"]["code"]) == (403, "FORBIDDEN")
    assert (foreign.status_code, foreign.json()["error"]["code"]) == (404, "NOT_FOUND")
    assert (sibling_key.status_code, sibling_key.json()["error"]["code"]) == (404, "NOT_FOUND")
    assert not await opted_out(api, tenant, account)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"null", "application/json"), (b"{not json", "application/json"), (b"STOP", "text/plain")],
)
async def test_a_body_it_cannot_read_is_a_400(
    tenant: Tenant, api: ApiClient, content: bytes, content_type: str
) -> None:
    response = await api.http.post(
        "/inbound/sms",
        content=content,
        headers={"authorization": f"Bearer {tenant.writer_key}", "content-type": content_type},
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID"
