"""uvicorn's httptools protocol with the header-read timeout uvicorn lacks.

uvicorn times only an idle kept-alive connection, and cancels even that timer on any byte
received: a client that sends its request line and headers a byte at a time, or sends nothing
at all (slowloris), holds its connection for ever. This protocol arms a timer when a connection
is made and when the first bytes of a request arrive, and disarms it once the headers are
complete; when it fires, the connection is closed, after a 408 if a request had begun. The body
is timed by `RequestLimits` (app/http/limits.py), which can answer in the API's JSON.

It relies on uvicorn internals, those of `uvicorn.protocols.http.httptools_impl.HttpToolsProtocol`
(which `http="auto"` picks when httptools is installed), the same from uvicorn 0.35 to 0.54:
the constructor; the methods `connection_made`, `data_received`, `connection_lost`; the parser
callbacks `on_message_begin`, `on_headers_complete`, `on_message_complete`; the attributes
`transport`, `loop`, `flow.read_paused`, `cycle.response_complete`, `server_state.default_headers`.
pyproject.toml pins uvicorn to those versions, and tests/api/test_slow_clients.py fails if they
change. `stoplist serve` names this class by import string, so each `--workers` process imports
it, and reads the settings, itself.
"""

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from app.http.errors import error_body
from app.settings import get_settings


class HeaderTimeoutProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout = get_settings().STOPLIST_HTTP_HEADER_TIMEOUT_SECONDS
        self.header_timer: asyncio.TimerHandle | None = None
        self.awaiting_headers = True
        self.request_begun = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        # The first bytes after an idle keep-alive (uvicorn has just cancelled its timer): even
        # blank lines, which start no request, must not keep the connection open.
        if self.awaiting_headers:
            self._arm_header_timer()
        super().data_received(data)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.awaiting_headers = self.request_begun = True
        self._arm_header_timer()

    def on_headers_complete(self) -> None:
        self.awaiting_headers = self.request_begun = False
        self._disarm_header_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.awaiting_headers = True  # the next request's, timed from its first byte

    def _arm_header_timer(self) -> None:
        if self.header_timer is None:
            self.header_timer = self.loop.call_later(self.header_timeout, self._headers_timed_out)

    def _disarm_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _headers_timed_out(self) -> None:
        self.header_timer = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused or (self.cycle is not None and not self.cycle.response_complete):
            # Pipelined: an earlier request is still being answered, so the wait is ours, not the client's.
            self._arm_header_timer()
            return
        if self.request_begun:
            message = f"The request headers did not arrive within {self.header_timeout:g} s."
            body = error_body("REQUEST_TIMEOUT", message)
            head = [b"HTTP/1.1 408 Request Timeout\r\n"]
            head += [name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers]
            head += [b"content-type: application/json\r\n", b"content-length: %d\r\n" % len(body)]
            self.transport.write(b"".join([*head, b"connection: close\r\n\r\n", body]))
        self.transport.close()
