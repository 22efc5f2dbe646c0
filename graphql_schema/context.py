from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

import strawberry
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.auth.actor import Actor
from app.auth.service import ApiKeyService
from app.db import raw
from app.errors import Unauthenticated
from app.feed.hub import FeedHub
from graphql_schema.event_results import SharedEventResults
from graphql_schema.loaders import Loaders

T = TypeVar("T")


@dataclass
class Context:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    feed: FeedHub
    api_keys: ApiKeyService
    maybe_actor: Actor | None
    loaders: Loaders
    event_results: SharedEventResults  # one per process: see graphql_schema/shared_events.py
    connection_params: dict[str, object] | None = None  # the WebSocket connection_init payload

    async def authenticate(self, token: str | None) -> bool:
        """Takes the caller from an API key (HTTP header or WebSocket connection_init)."""
        actor = await self.api_keys.resolve(self.sessionmaker, token) if token else None
        if actor is not None:
            self.maybe_actor = actor
            self.loaders = Loaders(self.engine, self.sessionmaker, actor)
        return actor is not None

    @property
    def actor(self) -> Actor:
        if self.maybe_actor is None:
            raise Unauthenticated("Send an API key: Authorization: Bearer <key>.")
        return self.maybe_actor

    async def read(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        # Sibling fields resolve concurrently, and a session must never serve two tasks: one each.
        async with self.sessionmaker() as session:
            return await work(session)

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        """One unit of work: committed (durably) when `work` returns, rolled back if it raises."""
        async with self.sessionmaker.begin() as session:
            return await work(session)

    async def read_raw(self, work: Callable[[raw.Connection], Awaitable[T]]) -> T:
        """`read` over a plain asyncpg connection, for the hot paths (app/db/raw.py)."""
        async with raw.connection(self.engine) as connection:
            return await work(connection)

    async def run_raw(self, work: Callable[[raw.Connection], Awaitable[T]]) -> T:
        """`run` over a plain asyncpg connection, for the hot paths (app/db/raw.py)."""
        async with raw.transaction(self.engine) as connection:
            return await work(connection)


Info: TypeAlias = strawberry.Info[Context, None]
