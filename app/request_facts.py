"""What is known of the request being served, for its log line and its errors: its id, the
GraphQL operation it ran and the API key it came with. One object per request, in a context
variable that the request log sets (app/http/request_log.py) and the layers below fill in."""

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID

# A client's own request id is taken when it is plain and short; anything else is replaced.
_CLIENT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


@dataclass(slots=True)
class RequestFacts:
    id: str
    operation: str | None = None  # for the log: the GraphQL operation's name, or its root fields
    key_id: UUID | None = None
    root_field: str | None = None  # for the metrics: the first root field, a name the schema bounds
    outcome: str | None = None  # a GraphQL answer's errors: client_error or server_error


current: ContextVar[RequestFacts | None] = ContextVar("stoplist_request", default=None)


def request_id(given: str | None) -> str:
    """The client's X-Request-Id when it is a plain token of at most 64 characters, else a new one."""
    if given is not None and _CLIENT_ID.fullmatch(given):
        return given
    return secrets.token_hex(8)


def current_id() -> str | None:
    facts = current.get()
    return facts.id if facts is not None else None


def note_key(key_id: UUID | None) -> None:
    facts = current.get()
    if facts is not None:
        facts.key_id = key_id


def note_operation(name: str, root_field: str, outcome: str | None) -> None:
    facts = current.get()
    if facts is not None:
        facts.operation, facts.root_field, facts.outcome = name, root_field, outcome
