"""Domain errors: a stable code, the input field at fault, and a message naming the value.

Adapters map them to GraphQL `UserError`s or HTTP 4xx answers; nothing here knows either.
"""

from typing import ClassVar

# Messages name the value at fault, but a hostile value must not make the message huge or
# unreadable: long values are cut, and control characters (NUL included) are escaped.
_SHOWN_LENGTH = 100
_CONTROL = {code: f"\\u{code:04x}" for code in [*range(0x20), 0x7F]}


def quoted(value: str) -> str:
    """The value in double quotes as messages show it: control characters escaped, cut at 100."""
    shown = value if len(value) <= _SHOWN_LENGTH else f"{value[:_SHOWN_LENGTH]}..."
    shown = shown.translate(_CONTROL)
    suffix = f" ({len(value):,} characters)" if len(value) > _SHOWN_LENGTH else ""
    return f'"{shown}"{suffix}'


class DomainError(Exception):
    code: ClassVar[str] = "INVALID"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class NotFound(DomainError):
    code = "NOT_FOUND"


class InvalidId(DomainError):
    code = "INVALID_ID"


class InvalidToken(DomainError):
    code = "INVALID_TOKEN"


class ChannelMismatch(DomainError):
    code = "CHANNEL_MISMATCH"


class InvalidInput(DomainError):
    code = "INVALID"


class TooMany(DomainError):
    code = "TOO_MANY"


class Duplicate(DomainError):
    code = "DUPLICATE"


class IdempotencyKeyReused(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"


class InvalidCursor(DomainError):
    code = "INVALID_CURSOR"
