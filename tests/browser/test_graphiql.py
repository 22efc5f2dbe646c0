"""GraphiQL at /graphql in Chromium: it loads from the package alone (the `page` fixture fails on
any request off 127.0.0.1), runs a query with the key typed into its headers editor, and streams
opt-out events over a WebSocket authenticated with that same key."""

import json
from typing import Any

from playwright.async_api import Locator, Page, Response, expect

from app.http.graphiql.page import CONTENT_SECURITY_POLICY
from tests.browser.traffic import Traffic
from tests.support.tenants import Tenant

ORGANIZATION = "query Organization {\n  organization { id }\n}"
FEED = """subscription Feed($accountIds: [ID!]) {
  optOutEvents(accountIds: $accountIds, fromBeginning: true) { token channel action }
}"""


class GraphiQL:
    """The page as a user drives it: editors filled by pasting, the run button clicked."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.response = page.locator(".graphiql-response")

    async def open(self, server_url: str) -> Response | None:
        response = await self.page.goto(f"{server_url}/graphql")
        await expect(self.page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
        # GraphiQL introspects on load, with the placeholder key: the refusal fills the response
        # pane, and would overwrite a result that came before it.
        await expect(self.response).to_contain_text("A valid API key is required")
        return response

    async def paste_headers(self, headers: dict[str, str]) -> None:
        await self._paste_in_tab("Headers", headers)

    async def paste_variables(self, variables: dict[str, Any]) -> None:
        await self._paste_in_tab("Variables", variables)

    async def run(self, operation_name: str, document: str) -> None:
        await self._paste(self.page.locator(".graphiql-query-editor"), document)
        # GraphiQL reads the operation (and so a subscription's transport) from the document a
        # moment after an edit; the tab takes the operation's name at that same moment.
        await expect(self.page.locator(".graphiql-tab-active")).to_have_text(operation_name)
        await self.execute()

    async def execute(self) -> None:
        await self.page.locator(".graphiql-execute-button").click()

    async def result(self) -> Any:
        # The editor's own text: what it renders shows indentation as no-break spaces.
        return json.loads(await self.response.locator(".CodeMirror").evaluate("editor => editor.CodeMirror.getValue()"))

    async def _paste_in_tab(self, tab: str, value: dict[str, Any]) -> None:
        await self.page.get_by_role("button", name=tab, exact=True).click()
        await self._paste(self.page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden)"), json.dumps(value))

    async def _paste(self, editor: Locator, text: str) -> None:
        await editor.click()
        await self.page.keyboard.press("Control+A")
        await self.page.keyboard.insert_text(text)


async def test_the_page_loads_from_the_package_and_asks_for_a_key(
    page: Page, traffic: Traffic, server_url: str
) -> None:
    # when
    graphiql = GraphiQL(page)
    response = await graphiql.open(server_url)

    # then
    await expect(page.locator("#graphiql")).not_to_contain_text("Loading...")
    await expect(graphiql.response).to_contain_text("A valid API key is required")  # its introspection's answer
    assert response is not None and response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    static = f"{server_url}/graphiql/static/"
    assert sorted(url.removeprefix(static) for url in traffic.requests if url.startswith(static)) == [
        "graphiql-4.1.2/graphiql.min.css",
        "graphiql-4.1.2/graphiql.min.js",
        "graphql-ws-6.0.6/graphql-ws.min.js",
        "react-18.3.1/react.production.min.js",
        "react-dom-18.3.1/react-dom.production.min.js",
        "stoplist-graphiql.css",
        "stoplist-graphiql.js",
    ]
    # A dialog inserts a <style> element: it must pass the page's CSP (`page` fails on a violation).
    await page.get_by_role("button", name="Open settings dialog").click()
    await expect(page.get_by_role("dialog")).to_contain_text("Persist headers")


async def test_vendored_files_are_cached_for_good_and_ours_revalidated(page: Page, server_url: str) -> None:
    # when
    vendored = await page.request.get(f"{server_url}/graphiql/static/graphiql-4.1.2/graphiql.min.js")
    ours = await page.request.get(f"{server_url}/graphiql/static/stoplist-graphiql.js")
    missing = await page.request.get(f"{server_url}/graphiql/static/graphiql-4.1.2/nothing.js")

    # then
    assert (vendored.status, vendored.headers["content-type"], vendored.headers["cache-control"]) == (
        200,
        "text/javascript; charset=utf-8",
        "public, max-age=31536000, immutable",
    )
    assert (ours.status, ours.headers["content-type"], ours.headers["cache-control"]) == (
        200,
        "text/javascript; charset=utf-8",
        "no-cache",
    )
    assert (missing.status, "cache-control" in missing.headers) == (404, False)


async def test_a_query_runs_with_the_key_from_the_headers_editor(page: Page, server_url: str, tenant: Tenant) -> None:
    # given
    graphiql = GraphiQL(page)
    await graphiql.open(server_url)
    await graphiql.paste_headers({"Authorization": f"Bearer {tenant.reader_key}"})

    # when
    await graphiql.run("Organization", ORGANIZATION)

    # then
    await expect(graphiql.response).to_contain_text(tenant.public_id)
    assert await graphiql.result() == {"data": {"organization": {"id": tenant.public_id}}}


async def test_a_subscription_streams_opt_outs_over_a_websocket_with_the_same_key(
    page: Page, traffic: Traffic, server_url: str, tenant: Tenant
) -> None:
    # given
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS"])
    graphiql = GraphiQL(page)
    await graphiql.open(server_url)
    await graphiql.paste_headers({"Authorization": f"Bearer {tenant.reader_key}"})
    await graphiql.paste_variables({"accountIds": [account]})
    await graphiql.run("Feed", FEED)
    await expect(graphiql.response).to_contain_text("+31612345678")  # replayed: the socket is subscribed

    # when
    await tenant.opt_out(account, "+31612345679", ["SMS"])

    # then
    await expect(graphiql.response).to_contain_text("+31612345679")
    assert await graphiql.result() == {
        "data": {"optOutEvents": {"token": "+31612345679", "channel": "SMS", "action": "OPT_OUT"}}
    }
    assert traffic.websockets == [f"{server_url.replace('http://', 'ws://')}/graphql"]


async def test_the_placeholder_key_is_refused_and_a_pasted_key_gets_a_new_socket(
    page: Page, traffic: Traffic, server_url: str, tenant: Tenant
) -> None:
    # given: GraphiQL's starting headers, {"Authorization": "Bearer <key>"}
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS"])
    graphiql = GraphiQL(page)
    await graphiql.open(server_url)
    await graphiql.paste_variables({"accountIds": [account]})
    await graphiql.run("Feed", FEED)
    await expect(graphiql.response).to_contain_text("The WebSocket closed")
    refused = await graphiql.result()

    # when
    await graphiql.paste_headers({"Authorization": f"Bearer {tenant.reader_key}"})
    await graphiql.execute()

    # then
    assert refused == {"errors": [{"message": "The WebSocket closed: 4403 Forbidden"}]}
    await expect(graphiql.response).to_contain_text("+31612345678")
    assert len(traffic.websockets) == 2
