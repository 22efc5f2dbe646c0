"""One log line per HTTP request at INFO: its id, method, path (without the query string, which
can hold personal data), status, duration, GraphQL operation and API key id (never the key).
The id is the client's X-Request-Id when it is plain and short, else a new one, and is sent back
in the X-Request-Id header; internal errors are logged with it and return it to the client
(graphql_schema/errors.py, app/http/errors.py). The line is written as the answer's last bytes
go out, so a client holding its answer finds it logged; a WebSocket connection gets its line when
it ends. This replaces uvicorn's access log."""

import logging
import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.http.errors import error_body
from app.ids import encode
from app.log_privacy import redacted_traceback
from app.request_facts import RequestFacts, current, request_id

logger = logging.getLogger("stoplist.request")
_JSON = [(b"content-type", b"application/json")]


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        facts = RequestFacts(id=request_id(Headers(scope=scope).get("x-request-id")))
        token = current.set(facts)
        started = time.perf_counter()
        status = 0  # no answer began: the client went away, or the server failed before one
        finished = False

        def finish() -> None:
            nonlocal finished
            if finished:
                return
            finished = True
            seconds = time.perf_counter() - started
            if scope["type"] == "http":
                operation = facts.root_field or _route(scope.get("path", ""))
                metrics.request_served(operation, _outcome(status, facts.outcome), seconds)
            if logger.isEnabledFor(logging.INFO):  # else (STOPLIST_LOG_LEVEL=WARNING) not even made
                _log_line(scope, status, facts, seconds * 1000)

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (b"x-request-id", facts.id.encode())]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                finish()  # before the last bytes go: a client that has its answer finds its line logged
            elif message["type"] == "websocket.accept":
                status = 101
            elif message["type"] == "websocket.close" and status == 101:
                status = message.get("code", 1000)
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:  # a bug: logged here, redacted, with the request id the client gets
            logger.error("internal error serving %s\n%s", scope.get("path", ""), redacted_traceback(error))
            if scope["type"] == "http" and status == 0:
                await sending({"type": "http.response.start", "status": 500, "headers": _JSON})
                body = error_body("INTERNAL_SERVER_ERROR", "Internal server error.", request_id=facts.id)
                await sending({"type": "http.response.body", "body": body})
        finally:
            current.reset(token)
            finish()  # an answer cut short, a WebSocket's end, or a failure before any answer


def _log_line(scope: Scope, status: int, facts: RequestFacts, milliseconds: float) -> None:
    key = encode("ApiKey", facts.key_id) if facts.key_id is not None else None
    method = scope.get("method", "WEBSOCKET")
    # makeRecord and handle, not info(): info() would look up its caller's frame for every line.
    arguments = (
        method,
        scope.get("path", ""),
        status,
        milliseconds,
        facts.id,
        f" operation={facts.operation}" if facts.operation else "",
        f" key={key}" if key else "",
    )
    record = logger.makeRecord(
        logger.name,
        logging.INFO,
        __file__,
        0,
        "%s %s %s %.1fms request=%s%s%s",
        arguments,
        None,
        extra={
            "request_id": facts.id,
            "method": method,
            "path": scope.get("path", ""),
            "status": status,
            "duration_ms": round(milliseconds, 1),
            "operation": facts.operation,
            "key_id": key,
        },
    )
    logger.handle(record)


# Plain-HTTP routes by name; what any other path is would be the client's to choose.
_ROUTES = frozenset(
    {
        "/graphql",
        "/healthz",
        "/readyz",
        "/metrics",
        "/inbound/sms",
        "/imports/optouts",
        "/imports/contacts",
        "/scrub",
        "/exports/optouts",
        "/exports/history",
        "/exports/audience",
        "/exports/inbound",
        "/o/page.css",
    }
)


def _route(path: str) -> str:
    if path in _ROUTES:
        return path
    if path.startswith("/o/"):
        return "/o/{code}"
    if path.startswith("/graphiql/static/"):
        return "/graphiql/static"
    return "(other)"


def _outcome(status: int, graphql: str | None) -> str:
    if status == 0:
        return "aborted"  # no answer began: the client went away
    if status >= 500:
        return "server_error"
    if status >= 400:
        return "client_error"
    return graphql or "ok"
