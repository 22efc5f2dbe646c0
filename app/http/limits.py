"""Bounds each request body in size and in time, and stops reading a body nobody wants."""

import asyncio
import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import error_body

# uvicorn reads and discards an unread body to the end, at the client's pace, to keep the
# connection alive for the next request: closing it is the only way to stop reading.
CLOSE = (b"connection", b"close")


class RequestLimits:
    """A body over `max_body_bytes` gets a 413 (before it is read, when its length is declared);
    a body that has not fully arrived `body_timeout` seconds after the headers gets a 408. These,
    and any other response sent before the body was read (a 401 to an upload), close the
    connection once the rest of the body is discarded, within bounds (`RequestBody.discard`).
    The headers are timed by the HTTP protocol (app/http/uvicorn_protocol.py)."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, body_timeout: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = asyncio.get_running_loop().time() + self.body_timeout
        body = RequestBody(scope, receive, max_bytes=self.max_body_bytes, deadline=deadline)
        response_started = False

        async def send_then_close(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                if not body.read:
                    message = {**message, "headers": [*message.get("headers", []), CLOSE]}
            elif message["type"] == "http.response.body" and not body.read and not message.get("more_body", False):
                # The whole answer goes out first; uvicorn closes the connection when it is complete.
                await send({**message, "more_body": True})
                await body.discard()
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        if body.declared > self.max_body_bytes:
            await self._refuse(send_then_close, 413, "BODY_TOO_LARGE")
            return
        try:
            await self.app(scope, body.receive, send_then_close)
        except (BodyTooLarge, BodyTimeout) as refusal:
            if response_started:
                raise
            status, code = (413, "BODY_TOO_LARGE") if isinstance(refusal, BodyTooLarge) else (408, "REQUEST_TIMEOUT")
            await self._refuse(send_then_close, status, code)

    async def _refuse(self, send: Send, status: int, code: str) -> None:
        if status == 413:
            message = f"The request body exceeds {self.max_body_bytes} bytes."
        else:
            message = f"The request body did not arrive within {self.body_timeout:g} s."
        body = error_body(code, message)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class RequestBody:
    """The body of one request, as the app receives it: at most `max_bytes`, by `deadline`."""

    def __init__(self, scope: Scope, receive: Receive, *, max_bytes: int, deadline: float) -> None:
        self._receive = receive
        self.max_bytes = max_bytes
        self.deadline = deadline
        self.declared = 0
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit():  # the HTTP parser refuses any other value
                self.declared = int(value)
            elif name == b"transfer-encoding":
                chunked = True
        self.read = not chunked and not self.declared
        self.received = 0

    async def receive(self) -> Message:
        if self.read:
            return await self._receive()
        try:
            async with asyncio.timeout_at(self.deadline):
                message = await self._receive()
        except TimeoutError:
            raise BodyTimeout from None
        self._count(message)
        if self.received > self.max_bytes:
            raise BodyTooLarge
        return message

    async def discard(self) -> None:
        """Reads and drops the rest, up to twice the limit in all and until the deadline, before
        the connection is closed: closing a socket with unread data in it resets the connection,
        and a client still sending (any asyncio one) then loses the answer before it reads it
        (RFC 9112, section 9.6). A client that sends more, or later, loses it."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout_at(self.deadline):
                while not self.read and self.received <= 2 * self.max_bytes:
                    self._count(await self._receive())

    def _count(self, message: Message) -> None:
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            self.read = not message.get("more_body", False)
        else:  # http.disconnect
            self.read = True


class BodyTooLarge(Exception):
    pass


class BodyTimeout(Exception):
    pass
