"""Where a webhook may go, checked twice: when an endpoint is saved, and at every connection.

`check_url` refuses what can never be a receiver (not http or https, credentials in the URL,
no host, control characters) and a literal IP address that is not public. A host name tells
nothing until it is resolved, and it may resolve to a private address at send time though it
did not when the endpoint was saved (DNS rebinding). So `DeliveryClient` gives aiohttp a
resolver that resolves the host itself and refuses if any address it gets is not public;
aiohttp connects to the addresses it returns, never resolving again. A literal address, which
aiohttp does not resolve, is checked before the request. TLS is unaffected: aiohttp starts it
with the URL's host, so SNI names that host and the certificate is verified for it.

Redirects are not followed: Standard Webhooks counts a 3xx as a failure, and following one
is the classic way around checks like these. A receiver's answer is kept for the delivery log
only, so at most 64 KiB of it is read, and one delivery has one deadline in all.
"""

import asyncio
import re
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from types import TracebackType
from typing import Self, TypeAlias
from urllib.parse import unquote

import aiohttp
import httpx
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from app.errors import InvalidInput, quoted

IPAddress: TypeAlias = IPv4Address | IPv6Address
Resolver: TypeAlias = Callable[[str, int], Awaitable[Sequence[IPAddress]]]

MAX_URL_LENGTH = 2_000
RESPONSE_BODY_LIMIT = 64 * 1024
# Connections a process opens to one receiver at most; the workers bound what is in flight in all.
CONNECTIONS_PER_HOST = 32

_DEFAULT_PORTS = {"http": 80, "https": 443}
_AUTHORITY = re.compile(r"[^:/?#]*://(?P<authority>[^/?#]*)")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NAT64 = IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address is the last 32 bits
# IETF protocol assignments (RFC 6890): not global, though Python 3.11's `is_global` says so.
_NOT_GLOBAL = IPv4Network("192.0.0.0/24")


class DeliveryFailed(Exception):
    """Nothing was delivered this time: no connection, no complete answer in time, or refused."""


class DestinationRefused(DeliveryFailed):
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


class _CheckedResolver(AbstractResolver):
    """aiohttp's resolver for the deliveries: resolves with ours, and refuses a name any of whose
    addresses is not public. aiohttp connects to exactly the addresses returned."""

    def __init__(self, *, allow_private: bool, resolver: Resolver) -> None:
        self._allow_private = allow_private
        self._resolve = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await self._resolve(host, port)  # OSError (no such name) is aiohttp's DNS error
        if not addresses:
            raise OSError(f"{host} resolved to no address")
        for address in addresses:
            _refuse_unless_allowed(host, address, self._allow_private)
        return [
            ResolveResult(
                hostname=host,
                host=str(address),
                port=port,
                family=socket.AF_INET6 if address.version == 6 else socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass


def _refuse_unless_allowed(host: str, address: IPAddress, allow_private: bool) -> None:
    if not allow_private and (kind := _not_public(address)) is not None:
        # Refused as a whole: a name that also resolves to a private address is not safe
        # because its first address happens to be public.
        raise DestinationRefused(
            f"{host} resolves to {address}, {_a(kind)} address; webhooks go to public addresses only"
        )


@dataclass(frozen=True)
class Reply:
    status_code: int
    headers: Mapping[str, str]  # case-insensitive
    body: bytes  # the first RESPONSE_BODY_LIMIT bytes, as sent (we ask for no content coding)
    truncated: bool


class DeliveryClient:
    """POSTs deliveries; a failure to deliver raises `DeliveryFailed` (`DestinationRefused` among
    them), and any answer, 3xx included, is a `Reply`. `timeout` bounds the whole delivery.

    On aiohttp: its connection pool costs about a fifteenth of the CPU of httpx's per POST here
    (docs/BENCHMARKS.md, "Inbound, webhooks and confirmations"), and it takes a resolver through
    its public API. Its session is made on first use, inside the event loop it belongs to."""

    def __init__(
        self,
        *,
        allow_private: bool,
        timeout: float,
        resolver: Resolver = resolve,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = "Stoplist-Webhooks",
    ) -> None:
        self._allow_private = allow_private
        self._resolver = resolver
        self._ssl_context = ssl_context or ssl.create_default_context()
        self._timeout = timeout
        self._user_agent = user_agent
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                resolver=_CheckedResolver(allow_private=self._allow_private, resolver=self._resolver),
                ssl=self._ssl_context,
                limit=0,  # no bound across receivers: the workers' in-flight limit is that
                limit_per_host=CONNECTIONS_PER_HOST,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,  # a proxy from the environment would connect for us, unchecked
                auto_decompress=False,  # the bytes we read are the bytes sent: no decompression bomb
                headers={
                    "user-agent": self._user_agent,
                    "content-type": "application/json",
                    "accept-encoding": "identity",
                },
            )
        return self._session

    async def post(self, url: str, *, body: bytes, headers: Mapping[str, str]) -> Reply:
        target = URL(url, encoded=True)  # as check_url normalised it
        host = target.host or ""
        if (literal := _literal_address(host)) is not None:
            _refuse_unless_allowed(host, literal, self._allow_private)  # aiohttp resolves no literal
        try:
            async with asyncio.timeout(self._timeout):
                async with self._http().post(target, data=body, headers=headers, allow_redirects=False) as response:
                    kept, truncated = await _read_bounded(response.content.iter_any(), RESPONSE_BODY_LIMIT)
                    if truncated:
                        response.close()  # the rest is not read: the connection is not reused
                    return Reply(response.status, response.headers, kept, truncated)
        except TimeoutError as error:
            raise DeliveryFailed(f"no complete answer within {self._timeout:g} s") from error
        except aiohttp.ClientConnectorDNSError as error:
            raise DeliveryFailed(f"{host} did not resolve: {error.os_error}") from error
        except aiohttp.ClientConnectorError as error:
            raise DeliveryFailed(f"could not connect to {host} port {error.port}: {error.os_error}") from error
        except aiohttp.ClientError as error:
            raise DeliveryFailed(str(error) or type(error).__name__) from error

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

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
