"""One unit of work for every adapter (GraphQL, plain HTTP, the command line, workers).

A unit of work is one pooled connection. Its ORM session and its plain asyncpg driver share it,
and, for a write, share one transaction: asyncpg's, begun when the unit starts and committed
(durably) when it ends, rolled back if it raises. The session's connection runs in autocommit
mode, so SQLAlchemy issues no BEGIN or COMMIT of its own and every statement it sends runs in
that one transaction. Effects that must follow the commit and only it (waking the live feed,
here and in other processes) are registered with `after_commit`: they run once the commit has
returned, and never after a rollback.

A read unit has no transaction: each statement sees the latest committed data.

The driver is reached through SQLAlchemy's pool, so there is one pool and one set of connection
settings; the hot paths use the driver directly (about a quarter of the CPU of the ORM for the
same statements, app/db/raw.py)."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.db import raw

logger = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(self, pooled: AsyncConnection, connection: raw.Connection, wakeups: "Wakeups") -> None:
        self._pooled = pooled
        self.connection = connection  # the asyncpg driver, for the hot paths
        self._after_commit: list[Callable[[], None]] = []
        self._wakeups = wakeups
        self.discarded = False
        self._running: set[asyncio.Future[Any]] = set()

    @cached_property
    def session(self) -> AsyncSession:
        """The ORM session, on the same connection and in the same transaction; made on first use."""
        return AsyncSession(bind=self._pooled, expire_on_commit=False, autoflush=False)

    def after_commit(self, callback: Callable[[], None]) -> None:
        if callback not in self._after_commit:
            self._after_commit.append(callback)

    def running(self, statement: "asyncio.Future[Any]") -> None:
        """Work started on this unit's connection that its caller may not wait for (a batch read
        ahead, or written, when the caller fails or leaves): the unit waits for it to end before
        it rolls back or gives the connection back."""
        self._running.add(statement)
        statement.add_done_callback(self._running.discard)

    async def _settle(self) -> None:
        for statement in list(self._running):
            with contextlib.suppress(BaseException):  # its result is not wanted, nor its error
                await statement

    def discard(self) -> None:
        """A dry run: the block runs to its end, then everything it wrote is rolled back, with
        no after-commit effect, as if it had raised."""
        self.discarded = True

    def events_written(self) -> None:
        """Opt-out events were written: subscribers, here and in other processes, hear of them at commit."""
        self.after_commit(self._wakeups.feed)

    def outbox_written(self) -> None:
        """Outbox rows were written: this process's workers look for them at commit, not at their next poll."""
        self.after_commit(self._wakeups.outbox)

    async def _flush(self) -> None:
        if "session" in self.__dict__:
            await self.session.flush()

    async def _close(self) -> None:
        if "session" in self.__dict__:
            await self.session.close()

    def _committed(self) -> None:
        for callback in self._after_commit:
            try:
                callback()
            except Exception:  # the commit stands; a wake-up is a hint, and its failure is logged
                logger.exception("an after-commit callback failed")


class _Discarded(Exception):
    """Rolls a discarded unit's transaction back."""


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class Wakeups:
    """What a process wakes after a commit: its feed hub, its outbox workers (none: nothing)."""

    feed: Callable[[], None] = _nothing
    outbox: Callable[[], None] = _nothing


class UnitsOfWork:
    """Makes units of work on one engine."""

    def __init__(self, engine: AsyncEngine, wakeups: Wakeups = Wakeups()) -> None:
        self.engine = engine
        self._wakeups = wakeups

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[UnitOfWork]:
        """Committed (durably) when the block ends; rolled back, with no after-commit effect, if it raises."""
        async with self._connection() as (pooled, driver):
            unit = UnitOfWork(pooled, driver, self._wakeups)
            try:
                async with driver.transaction():
                    try:
                        yield unit
                    finally:
                        await unit._settle()
                    await unit._flush()
                    if unit.discarded:
                        raise _Discarded
            except _Discarded:
                return
            except BaseException as error:
                # A cancellation can land between BEGIN reaching the server and asyncpg taking the
                # transaction as started: then nothing rolls it back, and the connection would go
                # back to the pool inside it, every later unit on it a savepoint of a transaction
                # that never commits. Cancelled (graphql-core cancels a failed field's siblings)
                # or left in a transaction, the connection is closed instead of reused.
                if isinstance(error, asyncio.CancelledError) or driver.is_in_transaction():
                    await pooled.invalidate()
                raise
            finally:
                await unit._close()
        unit._committed()

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[UnitOfWork]:
        async with self._connection() as (pooled, driver):
            unit = UnitOfWork(pooled, driver, self._wakeups)
            try:
                yield unit
            finally:
                await unit._settle()
                await unit._close()

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[tuple[AsyncConnection, raw.Connection]]:
        async with self.engine.connect() as pooled:
            # No BEGIN or COMMIT from SQLAlchemy: the unit's transaction, if any, is the driver's.
            await pooled.execution_options(isolation_level="AUTOCOMMIT")
            async with raw.driver_of(pooled) as driver:
                yield pooled, driver
