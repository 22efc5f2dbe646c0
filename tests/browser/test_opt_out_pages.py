"""An opt-out link's page in Chromium, as the person it was sent to uses it: it loads from
127.0.0.1 alone and with no script, confirms with a reason picked, undoes, and a mail client's
one-click POST opts the address out."""

from playwright.async_api import Page, expect

from tests.api.opt_out_pages.links import history, make_link, opted_out
from tests.browser.traffic import Traffic
from tests.support.tenants import Tenant

NUMBER = "+31612345678"


async def test_the_page_loads_offline_confirms_and_undoes(page: Page, traffic: Traffic, tenant: Tenant) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, NUMBER, "SMS")
    await page.context.set_extra_http_headers({"accept-language": "de-DE,de;q=0.9"})

    await page.goto(link["url"])
    await expect(page.locator("html")).to_have_attribute("lang", "de")
    await expect(page.get_by_role("heading")).to_have_text("Abmelden")
    await expect(page.locator("p.question")).to_have_text("Keine SMS mehr an +316•••••678?")
    assert not await opted_out(tenant, account, NUMBER, "SMS")  # loading it changed nothing
    await page.get_by_label("Warum melden Sie sich ab? (optional)").select_option(label="Zu viele Nachrichten")
    await page.get_by_role("button", name="Abmelden").click()

    await expect(page.get_by_role("heading")).to_have_text("Sie sind abgemeldet")
    assert await opted_out(tenant, account, NUMBER, "SMS")
    await page.get_by_role("button", name="Rückgängig: wieder anmelden").click()
    await expect(page.get_by_role("heading")).to_have_text("Sie sind wieder angemeldet")

    assert not await opted_out(tenant, account, NUMBER, "SMS")
    assert [
        (event["action"], event["source"], event["reason"]) for event in await history(tenant, account, NUMBER)
    ] == [
        ("OPT_OUT", "LINK", "Too many messages"),
        ("OPT_IN", "LINK", None),
    ]
    assert await page.evaluate("document.scripts.length") == 0
    assert all(url.startswith(link["url"].rsplit("/o/", 1)[0]) for url in traffic.requests)
    assert f"{link['url'].rsplit('/o/', 1)[0]}/o/page.css" in traffic.requests


async def test_a_mail_clients_one_click_post_opts_the_address_out(page: Page, tenant: Tenant) -> None:
    account = await tenant.create_account()
    data = await tenant.api.graphql(
        'query($a: ID!) { unsubscribeHeaders(accountId: $a, email: "ann@example.com") { listUnsubscribe } }',
        {"a": account},
        key=tenant.reader_key,
    )
    url = data["unsubscribeHeaders"]["listUnsubscribe"].strip("<>")

    response = await page.request.post(url, form={"List-Unsubscribe": "One-Click"})
    await page.goto(url)

    assert response.status == 200
    assert await opted_out(tenant, account, "ann@example.com", "EMAIL")
    await expect(page.get_by_role("heading")).to_have_text("You are unsubscribed")
    await expect(page.get_by_role("status")).to_have_text("a•••@example.com will get no more e-mails from this sender.")


async def test_an_unknown_code_shows_the_not_found_page(page: Page, server_url: str) -> None:
    response = await page.goto(f"{server_url}/o/0000000000")

    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading")).to_have_text("This link is not valid")


def _luminance(rgb: str) -> float:
    """WCAG 2 relative luminance of a computed colour, "rgb(r, g, b)"."""
    channels = [int(part) / 255 for part in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


async def test_the_pages_text_and_button_have_enough_contrast(page: Page, tenant: Tenant) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, NUMBER, "SMS")
    await page.goto(link["url"])

    colours = await page.evaluate(
        """() => {
            const style = (selector) => getComputedStyle(document.querySelector(selector));
            return {
                text: style("p").color, page: style("body").backgroundColor,
                label: style("label").color,
                button: style("button").color, buttonBackground: style("button").backgroundColor,
            };
        }"""
    )

    # WCAG 2.1 AA: 4.5:1 for body text, and for the button's label on its colour.
    assert _contrast(colours["text"], colours["page"]) >= 4.5, colours
    assert _contrast(colours["label"], colours["page"]) >= 4.5, colours
    assert _contrast(colours["button"], colours["buttonBackground"]) >= 4.5, colours
