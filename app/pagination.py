"""Keyset pages: every connection is read in a stable order from an opaque cursor, so a client
paging through visits every row exactly once, however large the list."""

import base64
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from app.errors import InvalidCursor, InvalidInput

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


def decode_cursor(kind: str, cursor: str | None, arity: int) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError):
        value = None
    if not isinstance(value, list) or len(value) != arity + 1 or value[0] != kind:
        raise InvalidCursor(f'"{cursor}" is not a cursor of this list.', field="after")
    return value[1:]


def build_page(rows: list[T], size: int, key: Any) -> Page[T]:
    """`rows` was fetched with LIMIT size + 1; the extra row only says there is a next page."""
    items = rows[:size]
    return Page(items=items, cursors=[key(item) for item in items], has_next_page=len(rows) > size)
