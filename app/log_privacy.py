"""Logs carry no personal data. The request log names a request's path without its query
string (a GraphQL GET carries its whole document and variables there, phone numbers and e-mail
addresses included: app/http/request_log.py). Internal errors are logged with their tracebacks,
whose messages can quote the values that failed: those are redacted."""

import re
import traceback

# In an exception's message, what may be a client's data: quoted values (PostgreSQL and asyncpg
# quote the input they refuse: `invalid input for query argument $1: 'x@example.com'`),
# e-mail addresses and phone numbers.
_PERSONAL = re.compile(r"'[^']*'|\"[^\"]*\"|[^\s()'\"]+@[^\s()'\"]+|\+?\d[\d ()./-]{5,}\d")


def redacted(message: str) -> str:
    return _PERSONAL.sub("...", message)


def redacted_traceback(error: BaseException) -> str:
    """The traceback of `error` and of the exceptions that led to it, with their messages
    redacted: frames show code, never values."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts = []
    for exception in reversed(chain):
        kind = f"{type(exception).__module__}.{type(exception).__qualname__}"
        parts.append("Traceback (most recent call last):\n" + "".join(traceback.format_tb(exception.__traceback__)))
        parts.append(f"{kind}: {redacted(str(exception))}\n")
    return "".join(parts).rstrip("\n")
