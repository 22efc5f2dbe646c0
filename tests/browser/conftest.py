"""Browser tests: Debian's chromium, driven by Playwright's async API (the sync API cannot run
inside the session's event loop), against the session's real `stoplist serve` (`server_url`).

For a test of any page Stoplist serves:
- `page`: a fresh browser context and page. Everything it loads must come from 127.0.0.1: a
  request elsewhere is aborted and fails the test, as does a Content-Security-Policy violation;
  `traffic` (a `tests.browser.traffic.Traffic`) is what it loaded.
- `tenant` (tests/conftest.py): an organization of the test's own with admin, writer and reader
  keys; `await tenant.key("reader", account_id)` makes another key, `tenant.create_account()`
  and `tenant.opt_out(...)` act through the API.

There is no skip: without /usr/bin/chromium the tests fail and say how to install it.
"""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Page, Route, WebSocketRoute, async_playwright

from tests.browser.traffic import Traffic, on_loopback

CHROMIUM = Path("/usr/bin/chromium")
# Fail in seconds, not in Playwright's default 30 s: every page here is served from loopback.
TIMEOUT_MS = 10_000


_TRAFFIC = pytest.StashKey[Traffic]()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing. The browser tests run Debian's chromium and never skip: "
            "install it with `sudo apt-get install -y chromium` (.ci/run does)."
        )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        await browser.close()


@pytest.fixture
def traffic() -> Traffic:
    return Traffic()


@pytest.fixture
async def page(browser: Browser, traffic: Traffic, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    context = await browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    request.node.stash[_TRAFFIC] = traffic

    async def keep_on_loopback(route: Route) -> None:
        url = route.request.url
        traffic.requests.append(url)
        if on_loopback(url):
            await route.continue_()
        else:
            traffic.offsite.append(url)
            await route.abort("blockedbyclient")

    async def refuse_websocket(websocket: WebSocketRoute) -> None:
        traffic.offsite.append(websocket.url)
        await websocket.close()

    def watch_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            traffic.csp_violations.append(message.text)

    await context.route("**/*", keep_on_loopback)
    await context.route_web_socket(lambda url: not on_loopback(url), refuse_websocket)
    page = await context.new_page()
    page.on("websocket", lambda websocket: traffic.websockets.append(websocket.url))
    page.on("console", watch_console)
    yield page
    await context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A page's stray request or CSP violation fails the test itself, not just its teardown."""
    try:
        return (yield)
    finally:
        traffic = item.stash.get(_TRAFFIC, None)
        if traffic is not None and traffic.problems():
            pytest.fail("\n".join(traffic.problems()))
