"""Slow and abusive HTTP clients are cut off. Raw sockets on loopback, where httpx would hide
what the server does with the connection, against `stoplist serve` with short timeouts."""

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app import ids
from app.auth.service import ApiKeyService
from app.db.unit_of_work import UnitsOfWork
from app.organizations.service import organization_service
from tests.conftest import PEPPER
from tests.support.server import Server, running_server

MAX_BODY_BYTES = 64 * 1024
LIMITS = {
    "STOPLIST_HTTP_HEADER_TIMEOUT_SECONDS": "0.5",
    "STOPLIST_HTTP_BODY_TIMEOUT_SECONDS": "0.5",
    "STOPLIST_HTTP_KEEP_ALIVE_SECONDS": "1",
    "STOPLIST_MAX_BODY_BYTES": str(MAX_BODY_BYTES),
}
# Generous, for a loaded machine, yet shorter than the defaults (10 s for headers, 30 s for the
# body, and uvicorn's 5 s keep-alive): a connection closed within it was closed by our settings.
WITHIN = 4.0
QUERY = json.dumps({"query": "{ organization { id } }"}).encode()


@pytest.fixture(scope="module")
def limited_server(database_url: str) -> Iterator[Server]:
    with running_server({"DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER, **LIMITS}) as server:
        yield server


@pytest.fixture(scope="module")
async def key(units: UnitsOfWork, api_keys: ApiKeyService) -> str:
    async with units.write() as unit:
        created = await organization_service.create(unit, api_keys, name="Slow clients")
    return created.admin_key.key


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def open_connection(server: Server) -> socket.socket:
    return socket.create_connection((server.host, server.port), timeout=WITHIN)


def head(method: str, path: str, **headers: str) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "host: 127.0.0.1",
        *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse(raw: bytes) -> Response:
    top, _, rest = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = top.decode().split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines)
    return Response(int(status_line.split()[1]), headers, rest[: int(headers.get("content-length", len(rest)))])


def read_response(connection: socket.socket) -> Response:
    """One response, leaving the connection open."""
    raw = b""
    while b"\r\n\r\n" not in raw or len(raw) < raw.index(b"\r\n\r\n") + 4 + int(parse(raw).headers["content-length"]):
        chunk = connection.recv(65536)
        assert chunk, f"closed after {raw!r}"
        raw += chunk
    return parse(raw)


def until_closed(connection: socket.socket, *, drip: bytes | None = None) -> bytes:
    """What the server sends until it closes the connection (which fails the test if it is still
    open after WITHIN seconds), while sending `drip` every 0.1 s, as a slow client does."""
    received = b""
    deadline = time.monotonic() + WITHIN
    connection.settimeout(0.1)
    while time.monotonic() < deadline:
        try:
            chunk = connection.recv(65536)
        except TimeoutError:
            if drip is not None:
                try:
                    connection.sendall(drip)
                except (BrokenPipeError, ConnectionResetError):
                    drip = None
            continue
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
    pytest.fail(f"the connection is still open after {WITHIN} s (received {received!r})")


def test_a_connection_that_sends_nothing_is_closed(limited_server: Server) -> None:
    with open_connection(limited_server) as connection:
        assert until_closed(connection) == b""


def test_headers_sent_slowly_are_cut_off_with_a_408(limited_server: Server) -> None:
    with open_connection(limited_server) as connection:
        connection.sendall(b"POST /graphql HTTP/1.1\r\nhost: 127.0.0.1\r\n")

        response = parse(until_closed(connection, drip=b"x"))

    assert (response.status, response.headers["connection"]) == (408, "close")
    assert response.json() == {
        "error": {"code": "REQUEST_TIMEOUT", "message": "The request headers did not arrive within 0.5 s."}
    }


def test_the_next_request_on_a_kept_alive_connection_is_timed_too(limited_server: Server) -> None:
    with open_connection(limited_server) as connection:
        connection.sendall(head("GET", "/healthz"))
        assert read_response(connection).status == 200
        connection.sendall(b"GET /healthz HTTP/1.1\r\nhost: 127.0.0.1\r\n")

        response = parse(until_closed(connection, drip=b"x"))

    assert response.status == 408
    assert response.json() == {
        "error": {"code": "REQUEST_TIMEOUT", "message": "The request headers did not arrive within 0.5 s."}
    }


def test_blank_lines_do_not_keep_a_connection_open(limited_server: Server) -> None:
    # Each byte cancels uvicorn's keep-alive timer, and blank lines begin no request.
    with open_connection(limited_server) as connection:
        connection.sendall(head("GET", "/healthz"))
        assert read_response(connection).status == 200

        assert until_closed(connection, drip=b"\r\n") == b""


def test_a_kept_alive_connection_serves_requests_after_a_pause(limited_server: Server, key: str) -> None:
    # The pause is longer than the header and body timeouts, shorter than the keep-alive one.
    request = (
        head(
            "POST",
            "/graphql",
            authorization=f"Bearer {key}",
            content_type="application/json",
            content_length=str(len(QUERY)),
        )
        + QUERY
    )
    with open_connection(limited_server) as connection:
        connection.sendall(request)
        first = read_response(connection)
        time.sleep(0.7)
        connection.sendall(request)
        second = read_response(connection)

    assert (first.status, second.status) == (200, 200)
    assert "connection" not in first.headers
    assert second.json() == first.json()


def test_an_idle_kept_alive_connection_is_closed(limited_server: Server) -> None:
    with open_connection(limited_server) as connection:
        connection.sendall(head("GET", "/healthz"))
        assert read_response(connection).status == 200

        assert until_closed(connection) == b""


@pytest.mark.parametrize("drip", [None, b"{"], ids=["stalled", "one byte at a time"])
def test_a_body_that_does_not_arrive_in_time_gets_a_408(limited_server: Server, key: str, drip: bytes | None) -> None:
    request = head(
        "POST", "/graphql", authorization=f"Bearer {key}", content_type="application/json", content_length="1000"
    )
    with open_connection(limited_server) as connection:
        connection.sendall(request + b'{"query": ')

        response = parse(until_closed(connection, drip=drip))

    assert (response.status, response.headers["connection"]) == (408, "close")
    assert response.json() == {
        "error": {"code": "REQUEST_TIMEOUT", "message": "The request body did not arrive within 0.5 s."}
    }


UPLOAD_BYTES = 100 * 1024 * 1024


def upload(server: Server, *, chunked: bool, **headers: str) -> tuple[Response, int, list[type[OSError]]]:
    """Sends a 100 MB body as fast as the server takes it, while reading what the server answers
    until it closes the connection: the answer, the bytes sent, and how the sending ended."""
    framing = {"transfer_encoding": "chunked"} if chunked else {"content_length": str(UPLOAD_BYTES)}
    piece = b"x" * 65536
    frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
    sent = 0
    errors: list[type[OSError]] = []

    def send_body(connection: socket.socket) -> None:
        nonlocal sent
        try:
            while sent < UPLOAD_BYTES:
                connection.sendall(frame)
                sent += len(piece)
        except OSError as error:
            errors.append(type(error))

    with open_connection(server) as connection:
        connection.sendall(head("POST", "/graphql", content_type="application/json", **headers, **framing))
        sender = threading.Thread(target=send_body, args=(connection,))
        sender.start()
        received = until_closed(connection)
        sender.join(timeout=WITHIN)
        assert not sender.is_alive(), "the server neither read the body nor closed the connection"
    return parse(received), sent, errors


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_413_closes_the_connection_instead_of_reading_the_upload(
    limited_server: Server, key: str, chunked: bool
) -> None:
    response, sent, errors = upload(limited_server, chunked=chunked, authorization=f"Bearer {key}")

    assert (response.status, response.headers["connection"]) == (413, "close")
    assert response.json() == {
        "error": {"code": "BODY_TOO_LARGE", "message": f"The request body exceeds {MAX_BODY_BYTES} bytes."}
    }
    assert errors in ([BrokenPipeError], [ConnectionResetError])
    assert sent < UPLOAD_BYTES


def test_any_answer_sent_before_the_body_is_read_closes_the_connection(limited_server: Server) -> None:
    response, sent, errors = upload(limited_server, chunked=True)  # no API key: a 401

    assert (response.status, response.headers["connection"]) == (401, "close")
    assert errors in ([BrokenPipeError], [ConnectionResetError])
    assert sent < UPLOAD_BYTES


async def test_a_websocket_message_over_the_body_limit_closes_the_connection(limited_server: Server, key: str) -> None:
    url = limited_server.url.replace("http://", "ws://") + "/graphql"
    padding = "x" * (MAX_BODY_BYTES - 1000)
    async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=WITHIN) as websocket:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {key}", "padding": padding}}
        await websocket.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(websocket.recv(), WITHIN)) == {"type": "connection_ack"}

        await websocket.send(json.dumps({"type": "ping", "payload": {"padding": padding * 2}}))

        with pytest.raises(ConnectionClosed):
            async with asyncio.timeout(WITHIN):
                await websocket.recv()
    assert websocket.close_code == 1009


def test_every_worker_process_times_headers_out(database_url: str) -> None:
    env = {"DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER, **LIMITS}
    with running_server(env, workers=2) as server:
        connections = [open_connection(server) for _ in range(6)]
        try:
            assert [until_closed(connection) for connection in connections] == [b""] * 6
        finally:
            for connection in connections:
                connection.close()


def _account(server: Server, key: str) -> str:
    created = httpx.post(
        f"{server.url}/graphql",
        json={"query": 'mutation { createAccount(name: "Uploads", defaultCountry: "NL") { account { id } } }'},
        headers={"authorization": f"Bearer {key}"},
    )
    return str(created.json()["data"]["createAccount"]["account"]["id"])


def test_an_upload_that_stalls_gets_a_408_and_keeps_nothing(limited_server: Server, key: str) -> None:
    account = _account(limited_server, key)
    path = f"/imports/optouts?accountId={account}&channel=SMS"
    with open_connection(limited_server) as connection:
        connection.sendall(head("POST", path, authorization=f"Bearer {key}", content_length="100000"))
        connection.sendall(b"+31611111111\n")

        response = parse(until_closed(connection))

    assert response.status == 408
    query = 'query($a: ID!) { checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31611111111"]) { optedOut } }'
    check = httpx.post(
        f"{limited_server.url}/graphql",
        json={"query": query, "variables": {"a": account}},
        headers={"authorization": f"Bearer {key}"},
    )
    assert check.json()["data"]["checkOptOuts"] == [{"optedOut": False}]


def test_an_upload_that_keeps_arriving_may_outlast_the_body_timeout(limited_server: Server, key: str) -> None:
    account = _account(limited_server, key)
    line = b"+31611111111\n"
    drip = line * (10 * 1024 // len(line))  # 10 KiB every 0.1 s: 100 KiB/s, above the 64 KiB/s asked
    drips = 15  # 1.5 s in all, three times the body timeout
    path = f"/imports/optouts?accountId={account}&channel=SMS"
    with open_connection(limited_server) as connection:
        connection.sendall(head("POST", path, authorization=f"Bearer {key}", content_length=str(len(drip) * drips)))
        for _ in range(drips):
            connection.sendall(drip)
            time.sleep(0.1)

        response = read_response(connection)

    assert response.status == 200, response.body
    assert json.loads(response.body)["optedOut"] == 1


async def test_an_upload_the_server_is_slow_to_take_is_not_held_against_the_client(
    limited_server: Server, key: str, database_url: str
) -> None:
    account = _account(limited_server, key)
    body = b"".join(b"+3161%07d\n" % number for number in range(60_000))  # twelve batches
    connection = await asyncpg.connect(database_url)
    try:
        owner = await connection.fetchrow(
            "SELECT organization_id, list_id FROM accounts WHERE id = $1", ids.decode("Account", account, field="id")
        )
        # A row the first batch writes, held: its statement waits, and the server reads no more of
        # the body meanwhile, for ten times the body timeout, though the client sent it all at once.
        holding = connection.transaction()
        await holding.start()
        await connection.execute(
            "INSERT INTO opt_out_states (organization_id, list_id, channel, token, token_type, opted_out, since)"
            " VALUES ($1, $2, 'SMS', '+31610000000', 'MSISDN', false, now())",
            *owner,
        )
        upload = asyncio.create_task(
            asyncio.to_thread(
                httpx.post,
                f"{limited_server.url}/imports/optouts",
                params={"accountId": account, "channel": "SMS"},
                content=body,
                headers={"authorization": f"Bearer {key}"},
                timeout=60,
            )
        )
        await asyncio.sleep(5)
        await holding.rollback()
        response = await upload
    finally:
        await connection.close()

    assert response.status_code == 200, response.text
    assert response.json()["optedOut"] == 60_000
