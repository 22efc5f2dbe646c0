"""Bounds each request body in size and in time, and stops reading a body nobody wants."""

import asyncio
import contextlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.errors import error_body

# uvicorn reads and discards an unread body to the end, at the client's pace, to keep the
# connection alive for the next request: closing it is the only way to stop reading.
CLOSE = (b"connection", b"close")
# An upload past the body timeout must keep arriving at this pace at least: a file of 1 GiB has
# about 4.5 hours of waiting for it, a client that stalls is cut off (slowloris).
UPLOAD_MIN_BYTES_PER_SECOND = 64 * 1024
DISCARD_BYTES = 16 * 1024 * 1024


class RequestLimits:
    """A body over `max_body_bytes` gets a 413 (before it is read, when its length is declared);
    a body whose client kept the app waiting for it more than `body_timeout` seconds in all gets a
    408 (only the waiting counts: while the app works on what came, the server reads no more, and
    the client cannot send it). These,
    and any other response sent before the body was read (a 401 to an upload), close the
    connection once the rest of the body is discarded, within bounds (`RequestBody.discard`).
    The headers are timed by the HTTP protocol (app/http/uvicorn_protocol.py)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        body_timeout: float,
        upload_paths: tuple[str, ...] = (),
        max_upload_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.upload_paths = upload_paths  # path prefixes of file uploads: imports and scrubbing
        self.max_upload_bytes = max_upload_bytes

    def _limit(self, path: str) -> tuple[int, float]:
        """(most bytes, least bytes a second beyond the body timeout) of a request to `path`.
        An upload may take longer than the body timeout, as long as it keeps arriving."""
        if path.startswith(self.upload_paths):
            return self.max_upload_bytes, UPLOAD_MIN_BYTES_PER_SECOND
        return self.max_body_bytes, 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes, min_rate = self._limit(scope["path"])
        body = RequestBody(scope, receive, max_bytes=max_bytes, timeout=self.body_timeout, min_rate=min_rate)
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

        if body.declared > body.max_bytes:
            await self._refuse(send_then_close, 413, "BODY_TOO_LARGE", body.max_bytes)
            return
        try:
            await self.app(scope, body.receive, send_then_close)
        except (BodyTooLarge, BodyTimeout) as refusal:
            if response_started:
                raise
            status, code = (413, "BODY_TOO_LARGE") if isinstance(refusal, BodyTooLarge) else (408, "REQUEST_TIMEOUT")
            await self._refuse(send_then_close, status, code, body.max_bytes)

    async def _refuse(self, send: Send, status: int, code: str, max_bytes: int) -> None:
        if status == 413:
            message = f"The request body exceeds {max_bytes} bytes."
        else:
            message = f"The request body did not arrive within {self.body_timeout:g} s."
        body = error_body(code, message)
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class RequestBody:
    """The body of one request, as the app receives it: at most `max_bytes`, and no more than
    `timeout` seconds spent waiting for it in all."""

    def __init__(
        self, scope: Scope, receive: Receive, *, max_bytes: int, timeout: float, min_rate: float = 0.0
    ) -> None:
        self._receive = receive
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.min_rate = min_rate  # bytes a second: each that arrive add to the time allowed, if set
        self.waited = 0.0  # seconds spent waiting for the client: the app's own time is not its
        # After a refusal, what is still read and dropped so the client reads the answer: at most
        # as much again as the limit, and never more than DISCARD_BYTES (an upload's limit is large).
        self.discard_limit = max_bytes + min(max_bytes, DISCARD_BYTES)
        self.declared = 0
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit():  # the HTTP parser refuses any other value
                self.declared = int(value)
            elif name == b"transfer-encoding":
                chunked = True
        self.read = not chunked and not self.declared
        self.received = 0

    def _allowed(self) -> float:
        """Seconds of waiting left to the client."""
        return self.timeout + (self.received / self.min_rate if self.min_rate else 0.0) - self.waited

    async def _wait(self) -> Message:
        clock = asyncio.get_running_loop()
        started = clock.time()
        try:
            async with asyncio.timeout(max(self._allowed(), 0.0)):
                return await self._receive()
        finally:
            self.waited += clock.time() - started

    async def receive(self) -> Message:
        if self.read:
            return await self._receive()
        try:
            message = await self._wait()
        except TimeoutError:
            raise BodyTimeout from None
        self._count(message)
        if self.received > self.max_bytes:
            raise BodyTooLarge
        return message

    async def discard(self) -> None:
        """Reads and drops the rest, up to `discard_limit` in all and until the deadline, before
        the connection is closed: closing a socket with unread data in it resets the connection,
        and a client still sending (any asyncio one) then loses the answer before it reads it
        (RFC 9112, section 9.6). A client that sends more, or later, loses it."""
        with contextlib.suppress(TimeoutError):
            while not self.read and self.received <= self.discard_limit:
                self._count(await self._wait())

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
