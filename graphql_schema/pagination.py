import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from app.pagination import Page

T = TypeVar("T")
R = TypeVar("R")

FIRST_DESCRIPTION = "Page size: default 100, at most 1,000."
AFTER_DESCRIPTION = "The endCursor of the previous page."


@strawberry.type(description="Where a page ends and whether another follows.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="True when a further page exists.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` to read the next page.")


@strawberry.type(description="One item of a connection and the cursor just after it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass as `after` to continue after this item.")
    node: T = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list that can grow, read with keyset cursors.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page, in list order.")
    page_info: PageInfo = strawberry.field(description="Paging state.")
    count_total: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list holds (counted only when asked for).")
    async def total_count(self) -> int:
        return await self.count_total()


def edges_of(page: Page[Any], convert: Callable[[Any], R]) -> tuple[list[Edge[R]], PageInfo]:
    edges = [Edge(cursor=cursor, node=convert(item)) for item, cursor in zip(page.items, page.cursors, strict=True)]
    return edges, PageInfo(has_next_page=page.has_next_page, end_cursor=page.end_cursor)


def once(work: Callable[[], Awaitable[R]]) -> Callable[[], Awaitable[R]]:
    """Runs `work` at most once, however many fields await the result."""
    task: asyncio.Task[R] | None = None

    async def shared() -> R:
        nonlocal task
        if task is None:
            task = asyncio.ensure_future(work())
        return await task

    return shared
