"""Where a webhook may go, checked twice: when an endpoint is saved, and at every connection.

`check_url` refuses what can never be a receiver (not http or https, credentials in the URL,
no host, control characters) and a literal IP address that is not public. A host name tells
nothing until it is resolved, and it may resolve to a private address at send time though it
did not when the endpoint was saved (DNS rebinding). So `DeliveryClient` connects through a
network backend that resolves the host itself, refuses if any address it gets is not public,
and connects to the address it checked, never resolving again. TLS is unaffected: httpcore
starts it on the connected stream with the URL's host, so SNI names that host and the
certificate is verified for it.

Redirects are not followed: Standard Webhooks counts a 3xx as a failure, and following one
is the classic way around checks like these. A receiver's answer is kept for the delivery log
only, so at most 64 KiB of it is read, and one delivery has one deadline in all.

Beyond documented APIs, this relies on one httpx internal: `httpx.AsyncHTTPTransport` keeps
its httpcore connection pool in `_pool`, and httpx 0.28 takes no network backend for it
(encode/httpx#3749 proposes a `network_backend=` argument). We replace that pool with one
built on our backend through httpcore's public API, and keep httpx's request, response and
exception mapping. `_transport` fails at once if the attribute is gone rather than send
unchecked. docs/INTERNALS.md lists it with the tests that guard it.
"""

import asyncio
import re
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from types import TracebackType
from typing import Self, TypeAlias
from urllib.parse import unquote

import httpcore
import httpx

from app.errors import InvalidInput, quoted

IPAddress: TypeAlias = IPv4Address | IPv6Address
Resolver: TypeAlias = Callable[[str, int], Awaitable[Sequence[IPAddress]]]

MAX_URL_LENGTH = 2_000
RESPONSE_BODY_LIMIT = 64 * 1024

_DEFAULT_PORTS = {"http": 80, "https": 443}
_AUTHORITY = re.compile(r"[^:/?#]*://(?P<authority>[^/?#]*)")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
# IETF protocol assignments (RFC 6890): not global, though Python 3.11's `is_global` says so.
_NOT_GLOBAL = IPv4Network("192.0.0.0/24")


class DestinationRefused(httpx.ConnectError):
    """The host resolved to an address webhooks may not reach; nothing was sent."""


def check_url(url: str, *, allow_private: bool) -> str:
    """The URL normalised, or `InvalidInput` on field `url` saying what is wrong with it."""

    def refused(problem: str) -> InvalidInput:
        return InvalidInput(f"{quoted(url)} {problem}.", field="url")

    if len(url) > MAX_URL_LENGTH:
        raise refused(f"is longer than {MAX_URL_LENGTH:,} characters")
    if any(ord(character) < 0x20 or ord(character) == 0x7F for character in url):
        raise refused("contains control characters")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise refused("is not a URL") from error
    if parsed.scheme not in _DEFAULT_PORTS:
        raise refused("is not an http:// or https:// URL")
    authority = _AUTHORITY.match(url)
    if parsed.userinfo or (authority is not None and "@" in authority["authority"]):
        raise refused("must not hold a user name or password")
    host = parsed.raw_host.decode("ascii")
    if not host:
        raise refused("has no host")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise refused(f"has an invalid port {parsed.port}")

    address = _literal_address(host)
    if address is None:
        if _is_numeric_ipv4(host):
            raise refused("has an IPv4 address in a nonstandard form as its host")
        if not _is_host_name(host):
            raise refused("has an invalid host name")
        if not allow_private and _is_localhost(host):
            raise refused("points to this machine (localhost); webhooks go to public addresses only")
    elif not allow_private and (kind := _not_public(address)) is not None:
        raise refused(f"points to {_a(kind)} address; webhooks go to public addresses only")

    normalised = parsed.copy_with(fragment=None)
    if parsed.port == _DEFAULT_PORTS[parsed.scheme]:
        normalised = normalised.copy_with(port=None)
    if normalised.path == "/":  # also when empty: `https://example.com` asks for `/` too
        normalised = normalised.copy_with(path="/")
    if len(str(normalised)) > MAX_URL_LENGTH:
        raise refused(f"is longer than {MAX_URL_LENGTH:,} characters once normalised")
    return str(normalised)


def is_public(address: IPAddress) -> bool:
    return _not_public(address) is None


def _not_public(address: IPAddress) -> str | None:
    """What kind of address this is when webhooks may not reach it; None when they may."""
    if isinstance(address, IPv6Address):
        # An IPv4 address inside an IPv6 one reaches that IPv4 address: judge it instead.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = IPv4Address(int(address) & 0xFFFF_FFFF)
        if embedded is not None:
            return _not_public(embedded)
        if address.is_site_local:
            return "site-local"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if address.is_multicast:
        return "multicast"
    if address.is_reserved:
        return "reserved"
    if address.is_private or not address.is_global or address in _NOT_GLOBAL:
        return "private"
    return None


def _a(kind: str) -> str:
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ip_address(unquote(host))  # an IPv6 zone is percent-encoded in a URL: [fe80::1%25eth0]
    except ValueError:
        return None


def _is_numeric_ipv4(host: str) -> bool:
    # `127.1`, `2130706433` or `0x7f.0.0.1`: the C resolver reads each as 127.0.0.1.
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def _is_host_name(host: str) -> bool:
    name = host.removesuffix(".")
    return 0 < len(name) <= 253 and all(_LABEL.fullmatch(label) for label in name.split("."))


def _is_localhost(host: str) -> bool:
    name = host.removesuffix(".")
    return name == "localhost" or name.endswith(".localhost")  # RFC 6761: always loopback


async def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for the host, in its order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ip_address(str(info[4][0])) for info in infos))


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, *, allow_private: bool, resolver: Resolver) -> None:
        self._allow_private = allow_private
        self._resolve = resolver
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self._addresses(host, port)
                failure = httpcore.ConnectError(f"{host} resolved to no address")
                for address in addresses:
                    try:
                        return await self._network.connect_tcp(
                            str(address), port, local_address=local_address, socket_options=socket_options
                        )
                    except httpcore.ConnectError as error:
                        failure = error
                raise failure
        except TimeoutError as error:
            raise httpcore.ConnectTimeout(f"connecting to {host} port {port} took over {timeout:g} s") from error

    async def _addresses(self, host: str, port: int) -> Sequence[IPAddress]:
        try:
            addresses = await self._resolve(host, port)
        except OSError as error:  # socket.gaierror: no such name, no answer
            raise httpcore.ConnectError(f"{host} did not resolve: {error}") from error
        if not self._allow_private:
            for address in addresses:
                if (kind := _not_public(address)) is not None:
                    # Refused as a whole: a name that also resolves to a private address is not
                    # safe because its first address happens to be public.
                    raise DestinationRefused(
                        f"{host} resolves to {address}, {_a(kind)} address; webhooks go to public addresses only"
                    )
        return addresses

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


def _transport(backend: httpcore.AsyncNetworkBackend, ssl_context: ssl.SSLContext) -> httpx.AsyncHTTPTransport:
    limits = httpx.Limits()
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, limits=limits, retries=0)
    if not isinstance(getattr(transport, "_pool", None), httpcore.AsyncConnectionPool):
        raise RuntimeError("httpx.AsyncHTTPTransport keeps its pool elsewhere now: see docs/INTERNALS.md")
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=backend,
    )
    return transport


@dataclass(frozen=True)
class Reply:
    status_code: int
    headers: httpx.Headers
    body: bytes  # the first RESPONSE_BODY_LIMIT bytes, as sent (we ask for no content coding)
    truncated: bool


class DeliveryClient:
    """POSTs deliveries; a failure to deliver raises an `httpx.HTTPError` (`DestinationRefused`
    among them), and any answer, 3xx included, is a `Reply`. `timeout` bounds each step and
    the whole delivery."""

    def __init__(
        self,
        *,
        allow_private: bool,
        timeout: float,
        resolver: Resolver = resolve,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        backend = _CheckedBackend(allow_private=allow_private, resolver=resolver)
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            transport=_transport(backend, ssl_context or httpx.create_ssl_context()),
            timeout=timeout,
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would connect for us, unchecked
            headers={
                "user-agent": "Stoplist-Webhooks",
                "content-type": "application/json",
                # Undecoded, the bytes we read are the bytes that count: no decompression bomb.
                "accept-encoding": "identity",
            },
        )

    async def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> Reply:
        request = self._http.build_request("POST", url, content=body, headers=headers)
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._http.send(request, stream=True, follow_redirects=False)
                try:
                    kept, truncated = await _read_bounded(response.aiter_raw(), RESPONSE_BODY_LIMIT)
                finally:
                    await response.aclose()
        except TimeoutError as error:
            raise httpx.TimeoutException(f"no complete answer within {self._timeout:g} s", request=request) from error
        return Reply(status_code=response.status_code, headers=response.headers, body=kept, truncated=truncated)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()


async def _read_bounded(chunks: AsyncIterator[bytes], limit: int) -> tuple[bytes, bool]:
    kept = bytearray()
    async for chunk in chunks:
        room = limit - len(kept)
        if len(chunk) > room:
            kept += chunk[:room]
            return bytes(kept), True
        kept += chunk
    return bytes(kept), False
