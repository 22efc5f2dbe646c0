"""Where webhooks may go: the URL check, and the send-time address check against real receivers on loopback."""

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from ipaddress import ip_address

import pytest
import trustme

from app.errors import InvalidInput
from app.webhooks.destinations import (
    RESPONSE_BODY_LIMIT,
    DeliveryClient,
    DeliveryFailed,
    DestinationRefused,
    IPAddress,
    Reply,
    Resolver,
    check_url,
    is_public,
)

# A name that is never in DNS (RFC 6761 `.invalid`), so only an injected resolver can resolve it.
PUBLIC_LOOKING = "hooks.example.invalid"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nreceived"


# --- check_url: creation and update ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://hooks.example.com/stoplist", "https://hooks.example.com/stoplist"),
        ("http://hooks.example.com:8080/a/b?x=1&y=2", "http://hooks.example.com:8080/a/b?x=1&y=2"),
        ("HTTPS://Hooks.Example.COM:443/in#section", "https://hooks.example.com/in"),
        ("http://hooks.example.com:80", "http://hooks.example.com/"),
        ("https://hooks.example.com:8443", "https://hooks.example.com:8443/"),
        ("https://bücher.example/hook", "https://xn--bcher-kva.example/hook"),
        ("https://hooks.example.com/a b", "https://hooks.example.com/a%20b"),
        ("http://93.184.216.34:8443/hook", "http://93.184.216.34:8443/hook"),
        ("https://[2606:4700::1111]/hook", "https://[2606:4700::1111]/hook"),
        ("https://[::ffff:93.184.216.34]/hook", "https://[::ffff:93.184.216.34]/hook"),
        ("https://hooks.example.com/" + "a" * (2_000 - 26), "https://hooks.example.com/" + "a" * (2_000 - 26)),
    ],
)
def test_public_http_and_https_urls_are_accepted_normalised(url: str, normalised: str) -> None:
    assert check_url(url, allow_private=False) == normalised


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/", '"ftp://hooks.example.com/" is not an http:// or https:// URL.'),
        ("file:///etc/passwd", '"file:///etc/passwd" is not an http:// or https:// URL.'),
        ("javascript:alert(1)", '"javascript:alert(1)" is not an http:// or https:// URL.'),
        ("//hooks.example.com/", '"//hooks.example.com/" is not an http:// or https:// URL.'),
        ("hooks.example.com/in", '"hooks.example.com/in" is not an http:// or https:// URL.'),
        (
            "https://user:secret@hooks.example.com/",
            '"https://user:secret@hooks.example.com/" must not hold a user name or password.',
        ),
        ("https://user@hooks.example.com/", '"https://user@hooks.example.com/" must not hold a user name or password.'),
        ("https://@hooks.example.com/", '"https://@hooks.example.com/" must not hold a user name or password.'),
        ("http:///in", '"http:///in" has no host.'),
        ("https:hooks.example.com", '"https:hooks.example.com" has no host.'),
        ("https://", '"https://" has no host.'),
        ("https://hooks.example.com/\x00", '"https://hooks.example.com/\\u0000" contains control characters.'),
        (
            "https://hooks.example.com/\r\nX-Injected: 1",
            '"https://hooks.example.com/\\u000d\\u000aX-Injected: 1" contains control characters.',
        ),
        ("https://hooks.example.com:0/", '"https://hooks.example.com:0/" has an invalid port 0.'),
        ("https://hooks.example.com:65536/", '"https://hooks.example.com:65536/" has an invalid port 65536.'),
        ("https://hooks.example.com:https/", '"https://hooks.example.com:https/" is not a URL.'),
        ("https://hooks example.com/", '"https://hooks example.com/" has an invalid host name.'),
        ("https://-hooks.example.com/", '"https://-hooks.example.com/" has an invalid host name.'),
        ("https://%6c%6fcalhost/", '"https://%6c%6fcalhost/" has an invalid host name.'),
        ("http://2130706433/", '"http://2130706433/" has an IPv4 address in a nonstandard form as its host.'),
        ("http://127.1/", '"http://127.1/" has an IPv4 address in a nonstandard form as its host.'),
        ("http://0x7f.0.0.1/", '"http://0x7f.0.0.1/" has an IPv4 address in a nonstandard form as its host.'),
    ],
)
def test_url_that_is_no_webhook_destination_is_refused_naming_it(url: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_url(url, allow_private=True)

    assert (refused.value.code, refused.value.field, refused.value.message) == ("INVALID", "url", message)


def test_url_over_2000_characters_is_refused() -> None:
    url = "https://hooks.example.com/" + "a" * (2_001 - 26)

    with pytest.raises(InvalidInput) as refused:
        check_url(url, allow_private=True)

    assert refused.value.field == "url"
    assert refused.value.message == f'"{url[:100]}..." (2,001 characters) is longer than 2,000 characters.'


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("10.1.2.3", "a private"),
        ("172.16.0.1", "a private"),
        ("192.168.1.1", "a private"),
        ("100.64.0.1", "a private"),  # shared address space (carrier-grade NAT)
        ("192.0.0.8", "a private"),
        ("127.0.0.1", "a loopback"),
        ("127.255.0.9", "a loopback"),
        ("169.254.169.254", "a link-local"),  # cloud metadata
        ("224.0.0.1", "a multicast"),
        ("240.0.0.1", "a reserved"),
        ("255.255.255.255", "a reserved"),
        ("0.0.0.0", "an unspecified"),
        ("[::]", "an unspecified"),
        ("[::1]", "a loopback"),
        ("[fe80::1]", "a link-local"),
        ("[fe80::1%25eth0]", "a link-local"),
        ("[fc00::1]", "a private"),
        ("[fd12:3456::1]", "a private"),
        ("[fec0::1]", "a site-local"),
        ("[ff02::1]", "a multicast"),
        ("[ff0e::1]", "a multicast"),
        ("[::ffff:127.0.0.1]", "a loopback"),  # IPv4-mapped
        ("[::ffff:10.0.0.1]", "a private"),
        ("[64:ff9b::7f00:1]", "a loopback"),  # NAT64 of 127.0.0.1
        ("[64:ff9b::a9fe:a9fe]", "a link-local"),  # NAT64 of 169.254.169.254
        ("[64:ff9b:1::a00:1]", "a reserved"),  # local-use NAT64 (RFC 8215)
        ("[2002:7f00:1::]", "a loopback"),  # 6to4 of 127.0.0.1
        ("[::7f00:1]", "a reserved"),  # IPv4-compatible, deprecated
        ("[2001:db8::1]", "a private"),  # documentation
    ],
)
def test_literal_address_that_is_not_public_is_refused_unless_private_is_allowed(host: str, kind: str) -> None:
    url = f"http://{host}:8080/hook"

    with pytest.raises(InvalidInput) as refused:
        check_url(url, allow_private=False)

    assert refused.value.field == "url"
    assert refused.value.message == f'"{url}" points to {kind} address; webhooks go to public addresses only.'
    assert check_url(url, allow_private=True) == url


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST.", "hooks.localhost"])
def test_localhost_names_are_refused_unless_private_is_allowed(host: str) -> None:
    url = f"http://{host}:8080/hook"

    with pytest.raises(InvalidInput) as refused:
        check_url(url, allow_private=False)

    assert refused.value.message == (
        f'"{url}" points to this machine (localhost); webhooks go to public addresses only.'
    )
    assert check_url(url, allow_private=True) == url.lower()


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("::ffff:8.8.8.8", True),  # mapped and NAT64 forms of a public address reach it
        ("64:ff9b::808:808", True),
        ("2002:808:808::1", True),
        ("127.0.0.1", False),
        ("::ffff:7f00:1", False),
        ("64:ff9b::a00:1", False),
        ("198.18.0.1", False),  # benchmarking
        ("203.0.113.7", False),  # documentation
        ("2001::1", False),  # Teredo
    ],
)
def test_is_public(address: str, public: bool) -> None:
    assert is_public(ip_address(address)) is public


# --- DeliveryClient: the address actually connected to ---------------------------------------


@dataclass
class Received:
    head: bytes
    body: bytes

    @property
    def request_line(self) -> bytes:
        return self.head.split(b"\r\n", 1)[0]

    def header(self, name: bytes) -> bytes | None:
        for line in self.head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == name:
                return value.strip()
        return None


@dataclass
class Receiver:
    port: int
    connections: int = 0
    requests: list[Received] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)


@asynccontextmanager
async def receiver(answer: bytes, *, tls: ssl.SSLContext | None = None) -> AsyncIterator[Receiver]:
    """A real HTTP/1.1 server on 127.0.0.1 that records each request and sends `answer`."""
    state = Receiver(port=0)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            received = Received(head=head, body=b"")
            length = int(received.header(b"content-length") or 0)
            received.body = await reader.readexactly(length)
            state.requests.append(received)
            writer.write(answer)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    if tls is not None:
        tls.sni_callback = lambda _socket, name, _context: state.server_names.append(name)
    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls)
    state.port = server.sockets[0].getsockname()[1]
    async with server:
        yield state


def resolving_to(*addresses: str) -> tuple[list[str], Resolver]:
    """A resolver that answers every name with these addresses, and the names it was asked."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> Sequence[IPAddress]:
        asked.append(host)
        return [ip_address(address) for address in addresses]

    return asked, resolve


async def deliver(client: DeliveryClient, url: str) -> Reply:
    return await client.post(url, body=b'{"type":"optout.created"}', headers={"webhook-id": "msg_1"})


async def test_literal_loopback_address_is_refused_at_connect_when_private_is_not_allowed() -> None:
    async with receiver(OK) as loopback, DeliveryClient(allow_private=False, timeout=10) as client:
        with pytest.raises(DestinationRefused) as refused:
            await deliver(client, f"http://127.0.0.1:{loopback.port}/hook")

    assert str(refused.value) == (
        "127.0.0.1 resolves to 127.0.0.1, a loopback address; webhooks go to public addresses only"
    )
    assert loopback.connections == 0


async def test_localhost_is_refused_at_connect_when_private_is_not_allowed() -> None:
    async with receiver(OK) as loopback, DeliveryClient(allow_private=False, timeout=10) as client:
        with pytest.raises(DestinationRefused, match="^localhost resolves to .*, a loopback address"):
            await deliver(client, f"http://localhost:{loopback.port}/hook")

    assert loopback.connections == 0


async def test_public_looking_name_that_resolves_to_a_private_address_is_refused() -> None:
    # DNS rebinding: the name passed check_url when it was saved, and now resolves to loopback.
    asked, resolve = resolving_to("127.0.0.1")
    async with receiver(OK) as loopback, DeliveryClient(allow_private=False, timeout=10, resolver=resolve) as client:
        with pytest.raises(DestinationRefused) as refused:
            await deliver(client, f"http://{PUBLIC_LOOKING}:{loopback.port}/hook")

    assert str(refused.value) == (
        f"{PUBLIC_LOOKING} resolves to 127.0.0.1, a loopback address; webhooks go to public addresses only"
    )
    assert asked == [PUBLIC_LOOKING]
    assert loopback.connections == 0


async def test_name_is_refused_when_any_of_its_addresses_is_private() -> None:
    _, resolve = resolving_to("93.184.216.34", "::ffff:10.0.0.1")
    async with DeliveryClient(allow_private=False, timeout=10, resolver=resolve) as client:
        with pytest.raises(DestinationRefused, match=r"resolves to ::ffff:a00:1, a private address"):
            await deliver(client, f"https://{PUBLIC_LOOKING}/hook")


async def test_refusal_is_a_delivery_failure_and_a_refused_literal_ipv6_address_connects_nowhere() -> None:
    async with DeliveryClient(allow_private=False, timeout=10) as client:
        with pytest.raises(DeliveryFailed) as refused:
            await deliver(client, "http://[::ffff:127.0.0.1]:9/hook")

    assert isinstance(refused.value, DestinationRefused)
    assert (
        str(refused.value)
        == "::ffff:127.0.0.1 resolves to ::ffff:7f00:1, a loopback address; webhooks go to public addresses only"
    )


async def test_a_closed_port_is_a_delivery_failure_naming_host_and_port() -> None:
    async with DeliveryClient(allow_private=True, timeout=10) as client:
        with pytest.raises(DeliveryFailed, match=r"^could not connect to 127\.0\.0\.1 port 9: ") as failed:
            await deliver(client, "http://127.0.0.1:9/hook")

    assert not isinstance(failed.value, DestinationRefused)


async def test_a_name_that_does_not_resolve_is_a_delivery_failure() -> None:
    async def nowhere(host: str, port: int) -> Sequence[IPAddress]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async with DeliveryClient(allow_private=False, timeout=10, resolver=nowhere) as client:
        with pytest.raises(DeliveryFailed, match=f"^{PUBLIC_LOOKING} did not resolve: .*Name or service not known"):
            await deliver(client, f"https://{PUBLIC_LOOKING}/hook")


async def test_loopback_receiver_gets_the_delivery_when_private_is_allowed() -> None:
    async with receiver(OK) as loopback, DeliveryClient(allow_private=True, timeout=10) as client:
        reply = await client.post(
            f"http://127.0.0.1:{loopback.port}/hook?account=1",
            body=b'{"type":"optout.created"}',
            headers={"webhook-id": "msg_1", "webhook-timestamp": "1764583200", "webhook-signature": "v1,abc="},
        )

    assert (reply.status_code, reply.body, reply.truncated) == (200, b"received", False)
    [request] = loopback.requests
    assert request.request_line == b"POST /hook?account=1 HTTP/1.1"
    assert request.body == b'{"type":"optout.created"}'
    assert request.header(b"content-type") == b"application/json"
    assert request.header(b"accept-encoding") == b"identity"
    assert [request.header(name) for name in (b"webhook-id", b"webhook-timestamp", b"webhook-signature")] == [
        b"msg_1",
        b"1764583200",
        b"v1,abc=",
    ]


async def test_connection_goes_to_the_checked_address_without_resolving_again() -> None:
    # The system resolver knows no `.invalid` name: the request can only arrive if the client
    # connected to the address its own resolver returned, once, and kept the name for Host.
    asked, resolve = resolving_to("127.0.0.1")
    async with receiver(OK) as loopback, DeliveryClient(allow_private=True, timeout=10, resolver=resolve) as client:
        reply = await deliver(client, f"http://{PUBLIC_LOOKING}:{loopback.port}/hook")

    assert reply.status_code == 200
    assert loopback.connections == 1
    assert asked == [PUBLIC_LOOKING]
    assert loopback.requests[0].header(b"host") == f"{PUBLIC_LOOKING}:{loopback.port}".encode()


async def test_redirect_is_not_followed() -> None:
    async with receiver(OK) as elsewhere:
        redirect = f"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{elsewhere.port}/\r\n"
        redirect += "Content-Length: 0\r\nConnection: close\r\n\r\n"
        async with receiver(redirect.encode()) as first, DeliveryClient(allow_private=True, timeout=10) as client:
            reply = await client.post(f"http://127.0.0.1:{first.port}/hook", body=b"{}", headers={})

    assert reply.status_code == 307
    assert reply.headers["location"] == f"http://127.0.0.1:{elsewhere.port}/"
    assert len(first.requests) == 1
    assert elsewhere.connections == 0


async def test_answer_is_read_up_to_64_kib() -> None:
    body = bytes(range(256)) * (4 * RESPONSE_BODY_LIMIT // 256)
    answer = b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    async with receiver(answer) as loopback, DeliveryClient(allow_private=True, timeout=10) as client:
        reply = await client.post(f"http://127.0.0.1:{loopback.port}/hook", body=b"{}", headers={})

    assert RESPONSE_BODY_LIMIT == 64 * 1024
    assert (reply.status_code, reply.body, reply.truncated) == (500, body[:RESPONSE_BODY_LIMIT], True)


async def test_answer_of_exactly_64_kib_is_whole() -> None:
    body = b"x" * RESPONSE_BODY_LIMIT
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    async with receiver(answer) as loopback, DeliveryClient(allow_private=True, timeout=10) as client:
        reply = await client.post(f"http://127.0.0.1:{loopback.port}/hook", body=b"{}", headers={})

    assert (reply.body, reply.truncated) == (body, False)


async def test_one_deadline_bounds_a_receiver_that_answers_a_byte_at_a_time() -> None:
    # Each read gets a byte well within the per-read timeout; only the delivery's deadline ends it.
    async def dribble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
        try:
            while not writer.is_closing():
                writer.write(b".")
                await writer.drain()
                await asyncio.sleep(0.05)
        except ConnectionError:
            pass  # the client gave up, as it should
        finally:
            writer.close()

    server = await asyncio.start_server(dribble, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, DeliveryClient(allow_private=True, timeout=0.5) as client:
        with pytest.raises(DeliveryFailed, match=r"^no complete answer within 0\.5 s$"):
            await client.post(f"http://127.0.0.1:{port}/hook", body=b"", headers={})


# --- TLS on the checked address -----------------------------------------------------------


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def server_context(authority: trustme.CA, name: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(name).configure_cert(context)
    return context


def client_context(authority: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


async def test_tls_names_and_verifies_the_host_not_the_address_connected_to(authority: trustme.CA) -> None:
    _, resolve = resolving_to("127.0.0.1")
    async with (
        receiver(OK, tls=server_context(authority, PUBLIC_LOOKING)) as loopback,
        DeliveryClient(
            allow_private=True, timeout=10, resolver=resolve, ssl_context=client_context(authority)
        ) as client,
    ):
        reply = await deliver(client, f"https://{PUBLIC_LOOKING}:{loopback.port}/hook")

    assert reply.status_code == 200
    assert loopback.server_names == [PUBLIC_LOOKING]


async def test_tls_refuses_a_certificate_for_another_name(authority: trustme.CA) -> None:
    _, resolve = resolving_to("127.0.0.1")
    async with (
        receiver(OK, tls=server_context(authority, "other.example.invalid")) as loopback,
        DeliveryClient(
            allow_private=True, timeout=10, resolver=resolve, ssl_context=client_context(authority)
        ) as client,
    ):
        with pytest.raises(DeliveryFailed, match="CERTIFICATE_VERIFY_FAILED") as failed:
            await deliver(client, f"https://{PUBLIC_LOOKING}:{loopback.port}/hook")

    assert not isinstance(failed.value, DestinationRefused)
    assert loopback.requests == []
