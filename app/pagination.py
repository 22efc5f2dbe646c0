"""Keyset pages: every connection is read in a stable order from an opaque cursor, so a client
paging through visits every row exactly once, however large the list."""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar
from uuid import UUID

from app.errors import InvalidCursor, InvalidInput, quoted

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1_000

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next_page: bool

    @property
    def end_cursor(self) -> str | None:
        return self.cursors[-1] if self.cursors else None


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        raise InvalidInput(f"first is {first}; it must be between 0 and {MAX_PAGE_SIZE}.", field="first")
    return first


def encode_cursor(kind: str, key: list[Any]) -> str:
    raw = json.dumps([kind, *key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# A cursor is ours only if it decodes to exactly the key we encode: each part is read by its
# own decoder, so a crafted cursor (a bad date, a number for a token, a NUL) is refused here
# and never reaches SQL.
MAX_CURSOR_LENGTH = 2_000


def text(value: Any) -> str:
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError(value)
    return value


def one_of(choices: type[StrEnum]) -> Callable[[Any], str]:
    def decode(value: Any) -> str:
        return choices(text(value)).value  # ValueError for any other value

    return decode


def timestamp(value: Any) -> datetime:
    moment = datetime.fromisoformat(text(value))
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment.astimezone(UTC)  # raises OverflowError for a date the database cannot hold either


def uuid(value: Any) -> UUID:
    return UUID(text(value))


def decode_cursor(kind: str, cursor: str | None, parts: tuple[Callable[[Any], Any], ...]) -> tuple[Any, ...] | None:
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH or not cursor.isascii():
            raise ValueError(cursor)
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(value, list) or len(value) != len(parts) + 1 or value[0] != kind:
            raise ValueError(cursor)
        return tuple(decode(part) for decode, part in zip(parts, value[1:], strict=True))
    except (ValueError, TypeError, OverflowError, binascii.Error):
        raise InvalidCursor(f"{quoted(cursor)} is not a cursor of this list.", field="after") from None


def build_page(rows: list[T], size: int, key: Any) -> Page[T]:
    """`rows` was fetched with LIMIT size + 1; the extra row only says there is a next page."""
    items = rows[:size]
    return Page(items=items, cursors=[key(item) for item in items], has_next_page=len(rows) > size)
