"""GET and POST /o/{code}: a page that names what it opts out and changes nothing; a POST that
opts out with its evidence, once; an undo; the one-click POST of RFC 8058."""

import re

import httpx
import pytest

from tests.api.opt_out_pages.links import history, make_link, new_address, opted_out
from tests.support.tenants import OPT_OUT, Tenant

NUMBER = "+31612345678"
EMAIL = "ann.smith@example.com"
CSP = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"


@pytest.fixture
async def browser(server_url: str) -> httpx.AsyncClient:
    headers = {"x-forwarded-for": new_address(), "user-agent": "Mozilla/5.0 (test browser)"}
    async with httpx.AsyncClient(base_url=server_url, headers=headers, timeout=30) as client:
        yield client  # type: ignore[misc]


def assert_page_headers(response: httpx.Response) -> None:
    assert response.headers["content-security-policy"] == CSP
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_the_page_names_the_masked_number_and_channel_and_changes_nothing(
    tenant: Tenant, browser: httpx.AsyncClient
) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, NUMBER, "SMS")

    for _ in range(3):  # a mail scanner, a link preview, the person
        response = await browser.get(link["url"])

    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert_page_headers(response)
    page = response.text
    assert '<html lang="en">' in page
    assert "Stop text messages to +316•••••678?" in page
    assert NUMBER not in page
    assert '<label for="reason">' in page and '<select id="reason" name="reason">' in page
    assert '<button type="submit">Unsubscribe</button>' in page and "<script" not in page
    assert not await opted_out(tenant, account, NUMBER, "SMS")
    assert await history(tenant, account, NUMBER) == []


@pytest.mark.parametrize(
    ("accept_language", "lang", "words"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de", "Keine SMS mehr an +316•••••678?"),
        ("nl", "nl", "Geen sms'jes meer naar +316•••••678?"),
        ("fr-CA, en;q=0.5", "fr", "Vous désabonner des SMS envoyés à +316•••••678 ?"),
        ("es-419", "es", "¿Dejar de recibir SMS en +316•••••678?"),
        ("en;q=0.4, pl;q=0.9", "pl", "Zrezygnować z SMS-ów na +316•••••678?"),
        ("ja, zh;q=0.8", "en", "Stop text messages to +316•••••678?"),
    ],
)
async def test_the_page_speaks_the_browsers_language(
    tenant: Tenant, browser: httpx.AsyncClient, accept_language: str, lang: str, words: str
) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, NUMBER, "SMS")

    response = await browser.get(link["url"], headers={"accept-language": accept_language})

    assert f'<html lang="{lang}">' in response.text
    assert response.headers["content-language"] == lang
    assert words.replace("'", "&#39;") in response.text


async def test_confirming_opts_out_with_the_reason_and_evidence_once(
    tenant: Tenant, browser: httpx.AsyncClient
) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, NUMBER, "SMS")
    address = browser.headers["x-forwarded-for"]

    first = await browser.post(link["url"], data={"action": "opt_out", "reason": "too_many"})
    again = await browser.post(link["url"], data={"action": "opt_out", "reason": "other"})

    assert first.status_code == again.status_code == 200
    assert_page_headers(first)
    assert "You are unsubscribed" in first.text and "+316•••••678 will get no more text messages" in first.text
    assert await opted_out(tenant, account, NUMBER, "SMS")
    assert not await opted_out(tenant, account, NUMBER, "WHATSAPP")
    assert await history(tenant, account, NUMBER) == [
        {
            "channel": "SMS",
            "action": "OPT_OUT",
            "source": "LINK",
            "reason": "Too many messages",
            "evidence": {"linkCode": link["code"], "ipAddress": address, "userAgent": "Mozilla/5.0 (test browser)"},
        }
    ]


async def test_undo_opts_back_in_and_a_later_visit_offers_to_unsubscribe_again(
    tenant: Tenant, browser: httpx.AsyncClient
) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, NUMBER, "SMS")
    done = await browser.post(link["url"], data={"action": "opt_out", "reason": ""})
    assert 'name="action" value="undo"' in done.text

    undone = await browser.post(link["url"], data={"action": "undo"})

    assert "You are subscribed again" in undone.text
    assert not await opted_out(tenant, account, NUMBER, "SMS")
    assert [(event["action"], event["source"]) for event in await history(tenant, account, NUMBER)] == [
        ("OPT_OUT", "LINK"),
        ("OPT_IN", "LINK"),
    ]
    assert "Unsubscribe</button>" in (await browser.get(link["url"])).text


async def test_undo_does_not_take_back_an_opt_out_made_another_way(tenant: Tenant, browser: httpx.AsyncClient) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, NUMBER, "SMS")
    change = {"accountId": account, "token": NUMBER, "channels": ["SMS"]}
    await tenant.api.graphql(OPT_OUT, {"input": change}, key=tenant.writer_key)

    page = await browser.get(link["url"])
    undo = await browser.post(link["url"], data={"action": "undo"})

    assert "You are unsubscribed" in page.text and 'value="undo"' not in page.text
    assert undo.status_code == 200 and await opted_out(tenant, account, NUMBER, "SMS")


@pytest.mark.parametrize("multipart", [False, True])
async def test_the_one_click_post_of_a_mail_client_opts_the_address_out(
    tenant: Tenant, browser: httpx.AsyncClient, multipart: bool
) -> None:
    account = await tenant.create_account()
    headers = await tenant.api.graphql(
        'query($a: ID!) { unsubscribeHeaders(accountId: $a, email: "ann.smith@example.com") { listUnsubscribe } }',
        {"a": account},
        key=tenant.reader_key,
    )
    url = re.fullmatch(r"<(.+)>", headers["unsubscribeHeaders"]["listUnsubscribe"]).group(1)  # type: ignore[union-attr]

    if multipart:
        response = await browser.post(url, files={"List-Unsubscribe": (None, "One-Click")})
    else:
        response = await browser.post(
            url, content=b"List-Unsubscribe=One-Click", headers={"content-type": "application/x-www-form-urlencoded"}
        )

    assert response.status_code == 200
    assert await opted_out(tenant, account, EMAIL, "EMAIL")
    assert [event["source"] for event in await history(tenant, account, EMAIL)] == ["LINK"]


async def test_a_json_client_gets_a_json_confirmation(tenant: Tenant, browser: httpx.AsyncClient) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, EMAIL, "EMAIL")

    response = await browser.post(link["url"], headers={"accept": "application/json"})

    assert response.json() == {"token": "a•••@example.com", "channel": "EMAIL", "optedOut": True}


@pytest.mark.parametrize(
    "code", ["0000000000", "abc", "ABCDEFGHJK", "0123456789a", "%00%00%00%00%00", "", "a/b", "0000000000/"]
)
async def test_unknown_and_malformed_codes_get_a_404_page(browser: httpx.AsyncClient, code: str) -> None:
    for response in (await browser.get(f"/o/{code}"), await browser.post(f"/o/{code}", data={"action": "opt_out"})):
        assert response.status_code == 404
        assert_page_headers(response)
        assert '<html lang="en">' in response.text and "This link is not valid" in response.text


async def test_a_form_that_is_not_ours_is_refused(tenant: Tenant, browser: httpx.AsyncClient) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, NUMBER, "SMS")

    bad_reason = await browser.post(link["url"], data={"reason": "x" * 50})
    too_long = await browser.post(link["url"], data={"reason": "x" * 20_000})

    assert bad_reason.status_code == too_long.status_code == 400
    assert_page_headers(bad_reason)
    assert not await opted_out(tenant, account, NUMBER, "SMS")


async def test_look_ups_are_budgeted_per_address(tenant: Tenant, browser: httpx.AsyncClient) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, NUMBER, "SMS")

    misses = [(await browser.get(f"/o/{'0' * 9}{digit}")).status_code for digit in range(8)]
    blocked = await browser.get(link["url"])
    elsewhere = await browser.get(link["url"], headers={"x-forwarded-for": new_address()})

    assert misses[:6] == [404] * 6 and misses[-1] == 429  # a miss costs ten of the sixty a minute
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) >= 1
    assert_page_headers(blocked)
    assert elsewhere.status_code == 200
