"""The request log's handling of a bug below it: the client gets a 500 with the request's id,
the log the redacted traceback with that id, and the request's line its status."""

import json
import logging
from typing import Any

import pytest

from app.http.request_log import RequestLog
from app.request_facts import current_id


async def failing(scope: Any, receive: Any, send: Any) -> None:
    assert current_id() == "bug-1"
    address = "max@" + "example.com"  # so that the traceback's source lines do not show it
    raise RuntimeError(f"could not store '{address}'")


async def test_a_bug_answers_500_with_the_request_id_and_logs_it_redacted(caplog: pytest.LogCaptureFixture) -> None:
    sent: list[dict[str, Any]] = []
    scope = {"type": "http", "method": "POST", "path": "/exports/optouts", "headers": [(b"x-request-id", b"bug-1")]}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    with caplog.at_level(logging.INFO, logger="stoplist.request"):
        await RequestLog(failing)(scope, receive, send)

    start, body = sent
    assert start["status"] == 500 and (b"x-request-id", b"bug-1") in start["headers"]
    assert json.loads(body["body"]) == {
        "error": {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error.", "requestId": "bug-1"}
    }
    error, line = caplog.records
    assert error.levelname == "ERROR" and getattr(error, "request_id", None) in (None, "bug-1")
    assert "RuntimeError: could not store ..." in error.getMessage() and "max@example.com" not in caplog.text
    assert line.getMessage().startswith("POST /exports/optouts 500 ") and "request=bug-1" in line.getMessage()
