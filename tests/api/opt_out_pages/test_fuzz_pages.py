"""A property-based fuzz test of the opt-out link pages: whatever the code, the body, its type and
the headers (hostile or not), GET and POST /o/{code} answer a page with its security headers and a
clear status (200, 400, 404 or 429), never a 5xx, and the server logs no traceback."""

import asyncio
from urllib.parse import quote, urlencode

import httpx
from hypothesis import given
from hypothesis import strategies as st

from app.links.codes import ALPHABET, LENGTH
from tests.api.opt_out_pages.links import make_link, new_address
from tests.api.test_fuzz import _TRACEBACK, LogTail
from tests.support.fuzzing import server_fuzz
from tests.support.server import Server
from tests.support.tenants import Tenant

EXAMPLES = 150
ANSWERS = {200, 400, 404, 429}
HOSTILE_TEXT = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=5_000),
    st.sampled_from(["\x00", "\ud800", "%00", "../../etc/passwd", "é" * 3_000, "List-Unsubscribe=One-Click"]),
)
# What an HTTP client can send at all: printable ASCII, no surrounding space.
HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300).map(str.strip)


def codes(real: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(real),
        st.text(alphabet=ALPHABET, min_size=LENGTH, max_size=LENGTH),
        # Anything in the path, percent-encoded as a client sends it ("%00", "%2F", "a/b", "../x").
        st.text(alphabet=st.characters(codec="utf-8"), max_size=40).map(lambda text: quote(text, safe="/.")),
    )


def bodies() -> st.SearchStrategy[bytes]:
    form = st.dictionaries(
        st.sampled_from(["action", "reason", "List-Unsubscribe", "x"]),
        st.one_of(st.sampled_from(["opt_out", "undo", "too_many", "One-Click", ""]), HOSTILE_TEXT),
        max_size=4,
    ).map(lambda fields: urlencode(fields, errors="surrogatepass").encode())  # a lone surrogate: bad UTF-8
    return st.one_of(form, st.binary(max_size=20_000), st.just(b"List-Unsubscribe=One-Click"))


def fuzz(server: Server, real_code: str) -> int:
    log = LogTail(server.log)
    answered = 0
    with httpx.Client(base_url=server.url, timeout=30.0) as http:

        @server_fuzz(EXAMPLES)
        @given(
            method=st.sampled_from(["GET", "POST"]),
            code=codes(real_code),
            body=bodies(),
            content_type=st.one_of(
                st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]), HEADER_TEXT
            ),
            accept_language=HEADER_TEXT,
            accept=st.sampled_from(["text/html", "application/json", "*/*", ""]),
        )
        def every_request_gets_a_page(
            method: str, code: str, body: bytes, content_type: str, accept_language: str, accept: str
        ) -> None:
            nonlocal answered
            headers = {
                "content-type": content_type,
                "accept-language": accept_language,
                "accept": accept,
                "x-forwarded-for": new_address(),  # each example its own look-up budget
            }
            content = body if method == "POST" else None
            response = http.request(method, f"/o/{code}", content=content, headers=headers)
            assert response.status_code in ANSWERS, (response.status_code, response.text[:500])
            assert "default-src 'none'" in response.headers["content-security-policy"]
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["referrer-policy"] == "no-referrer"
            written = log.read()
            assert _TRACEBACK not in written, written[-3_000:]
            answered += 1

        every_request_gets_a_page()
    return answered


async def test_hostile_requests_to_link_pages_get_clear_answers(server: Server, tenant: Tenant) -> None:
    account = await tenant.create_account()
    link = await make_link(tenant, account, "+31612345678", "SMS")

    # Hypothesis drives a synchronous test; a thread keeps it off the session's event loop.
    answered = await asyncio.to_thread(fuzz, server, link["code"])

    assert answered >= EXAMPLES
