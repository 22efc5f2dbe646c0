"""The bounds of every argument value, declared where the argument is and documented in its
description: list arguments say how many items they take, strings how long they may be.
graphql_schema/input_checks.py enforces them, with the other rules of what a value may hold,
before any resolver runs; tests/unit/test_schema_bounds.py holds every list argument to one."""

from typing import Any

import strawberry

MAX_ITEMS = "stoplist.max_items"
MAX_LENGTH = "stoplist.max_length"

# A document of 2,000 tokens (the token limit) is a few kilobytes; parsed documents are cached,
# so a large one (a long comment is one token) would be held long after its request.
MAX_DOCUMENT_LENGTH = 100_000

# Far above any name, reason, token or key the API takes (each has its own, smaller rule in its
# service): a bound on what one string can make the server hold or echo.
DEFAULT_MAX_LENGTH = 10_000


def _described(description: str, max_items: int) -> str:
    return f"{description} At most {max_items:,} items."


def list_argument(description: str, *, max_items: int) -> Any:
    """`Annotated[list[...], list_argument("...", max_items=100)]`."""
    return strawberry.argument(description=_described(description, max_items), metadata={MAX_ITEMS: max_items})


def text_argument(description: str, *, max_length: int) -> Any:
    """`Annotated[str, text_argument("...", max_length=1_600)]`: a string bounded below the default."""
    return strawberry.argument(
        description=f"{description} At most {max_length:,} characters.", metadata={MAX_LENGTH: max_length}
    )


def list_field(description: str, *, max_items: int, **options: Any) -> Any:
    """An input type's list field: `channels: list[Channel] = list_field("...", max_items=5)`."""
    return strawberry.field(description=_described(description, max_items), metadata={MAX_ITEMS: max_items}, **options)
