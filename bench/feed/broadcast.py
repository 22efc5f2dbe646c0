"""The deliveries baseline: a bare Starlette WebSocket app that speaks just enough
graphql-transport-ws (ack, subscribe, next) and sends pre-encoded messages of the feed's size
and shape to every connected client. Served by uvicorn as `stoplist serve` is (one worker, the
same WebSocket implementation and compression setting), it is the transport's floor: what one
process can deliver with no GraphQL, no database and no per-subscriber encoding.

POST /publish with a JSON list of [cursor, token] pairs sends one message per pair to everyone."""

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from bench import http
from tests.support.server import free_port, healthy, stop

ACCOUNT_ID = "acc_" + "0" * 32  # as long as a real one


class _Log:
    """Every message published so far; each connection sends on from its own position."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.changed = asyncio.Event()

    def publish(self, messages: list[str]) -> None:
        self.messages.extend(messages)
        changed, self.changed = self.changed, asyncio.Event()
        changed.set()


_log = _Log()


def _message(cursor: str, token: str, occurred_at: str) -> str:
    event = {
        "cursor": cursor,
        "accountId": ACCOUNT_ID,
        "token": token,
        "tokenType": "MSISDN",
        "channel": "SMS",
        "action": "OPT_OUT",
        "occurredAt": occurred_at,
    }
    return orjson.dumps({"id": "1", "type": "next", "payload": {"data": {"optOutEvents": event}}}).decode()


async def _publish(request: Request) -> Response:
    occurred_at = datetime.now(UTC).isoformat()
    _log.publish([_message(cursor, token, occurred_at) for cursor, token in orjson.loads(await request.body())])
    return PlainTextResponse("ok")


async def _send(websocket: WebSocket, position: int) -> None:
    while True:
        changed = _log.changed  # taken before reading, so a publish meanwhile is not missed
        messages = _log.messages
        while position < len(messages):
            await websocket.send_text(messages[position])
            position += 1
        await changed.wait()


async def _feed(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol="graphql-transport-ws")
    await websocket.receive_text()  # connection_init: the key is not checked
    await websocket.send_text('{"type":"connection_ack"}')
    await websocket.receive_text()  # subscribe (id "1", as every benchmark client uses)
    sender = asyncio.create_task(_send(websocket, len(_log.messages)))  # new messages only
    try:
        while (await websocket.receive())["type"] != "websocket.disconnect":
            pass
    finally:
        sender.cancel()
        with contextlib.suppress(BaseException):
            await sender


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


app = Starlette(
    routes=[
        Route("/publish", _publish, methods=["POST"]),
        Route("/healthz", _health),
        WebSocketRoute("/graphql", _feed),
    ]
)


async def publish(host: str, port: int, events: list[tuple[str, str]]) -> None:
    """Has the app send one message per (cursor, token) to every client."""
    body = orjson.dumps(events)
    head = f"POST /publish HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(body)}\r\n\r\n"
    connection = await http.Connection.open(host, port)
    try:
        status, answer = await connection.send(head.encode() + body)
    finally:
        await connection.close()
    if status != 200:
        raise http.HttpError(f"publish failed ({status}): {answer[:300]!r}")


@contextlib.contextmanager
def running_broadcast(log: Path, *, per_message_deflate: bool, timeout: float = 30.0) -> Iterator[tuple[str, int, int]]:
    """(host, port, pid) of the app under uvicorn, stopped on exit."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.feed.broadcast:app",
        "--port",
        str(port),
        "--workers",
        "1",
        "--ws",
        "websockets-sansio",  # as app/cli.py serves
        "--ws-per-message-deflate",
        str(per_message_deflate),
        "--log-level",
        "warning",
    ]
    with open(log, "w") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while not healthy(f"http://127.0.0.1:{port}/healthz"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the broadcast app did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        yield "127.0.0.1", port, process.pid
    finally:
        stop(process)
