from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeAlias, TypeVar

import strawberry
from starlette.websockets import WebSocket

from app.auth.actor import Actor
from app.auth.service import ApiKeyService
from app.db.unit_of_work import UnitOfWork, UnitsOfWork
from app.errors import Unauthenticated
from app.feed.hub import FeedHub
from graphql_schema.event_results import SharedEventResults
from graphql_schema.loaders import Loaders

T = TypeVar("T")


@dataclass
class Context:
    units: UnitsOfWork
    feed: FeedHub
    api_keys: ApiKeyService
    maybe_actor: Actor | None
    loaders: Loaders
    event_results: SharedEventResults  # one per process: see graphql_schema/event_results.py
    links_base: str  # STOPLIST_PUBLIC_URL: opt-out links are {links_base}/o/{code}
    connection_params: dict[str, object] | None = None  # the WebSocket connection_init payload
    websocket: WebSocket | None = None  # the connection an operation came on, if one did

    async def authenticate(self, token: str | None) -> bool:
        """Takes the caller from an API key (HTTP header or WebSocket connection_init)."""
        actor = await self.api_keys.resolve(self.units, token) if token else None
        if actor is not None:
            self.maybe_actor = actor
            self.loaders = Loaders(self.units, actor)
        return actor is not None

    @property
    def actor(self) -> Actor:
        if self.maybe_actor is None:
            raise Unauthenticated("Send an API key: Authorization: Bearer <key>.")
        return self.maybe_actor

    async def read(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        # Sibling fields resolve concurrently, and a connection must never serve two tasks: one each.
        async with self.units.read() as unit:
            return await work(unit)

    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """One unit of work: committed (durably) when `work` returns, rolled back if it raises
        (app/db/unit_of_work.py)."""
        async with self.units.write() as unit:
            return await work(unit)


Info: TypeAlias = strawberry.Info[Context, None]
