"""One poller per server process, shared by all its subscribers.

It reads every organization's new final events in order (app/feed/repository.py) into a
bounded ring and wakes the subscribers of the organizations it found events of. The table is
the truth: a subscriber whose position is older than the ring reaches back reads the table
itself, so a slow consumer neither loses events nor makes memory grow. (How each event then
reaches a subscriber's socket: graphql_schema/direct_delivery.py.)

Wake-ups are only hints. A process's own commits wake its poller at once and are announced
to the other processes with one NOTIFY per burst, sent after the commit from the process's LISTEN
connection (app/db/listener.py): a NOTIFY inside each writing transaction would take
PostgreSQL's global notify lock at every commit. The poller also polls on a timer, and polls
again whenever that connection comes back after a drop, so nothing depends on a notification
arriving."""

import asyncio
import contextlib
import logging
from bisect import bisect_right
from collections.abc import AsyncIterator
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db import raw
from app.db.listener import Listener
from app.feed.repository import FeedFilter, read_after
from app.opt_outs.cursor import START, EventPosition
from app.opt_outs.records import EventRecord
from app.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

EVERYTHING = FeedFilter(organization_id=None)


CHANNEL = "stoplist_feed"
# Events a subscriber sends before letting the other tasks run: a send to a socket with room in
# its buffer does not suspend, so catching up on thousands of events would hold the event loop.
TURN = 200


class _Run:
    """Events in position order, with their positions for bisection."""

    __slots__ = ("events", "positions")

    def __init__(self) -> None:
        self.events: list[EventRecord] = []
        self.positions: list[EventPosition] = []

    def after(self, position: EventPosition) -> list[EventRecord]:
        return self.events[bisect_right(self.positions, position) :]

    def drop_through(self, position: EventPosition) -> None:
        count = bisect_right(self.positions, position)
        del self.events[:count], self.positions[:count]


class Ring:
    """The most recent final events, in position order: every final event in (start, end]. Found by
    bisection, since hundreds of subscribers look up their place at every change, and kept per
    organization too, so a subscriber woken for its organization's events does not sift through
    every other organization's. Trimmed in chunks: memory stays within 1.25 times its size."""

    def __init__(self, size: int) -> None:
        self._size = max(1, size)
        self._all = _Run()
        self._by_organization: dict[UUID, _Run] = {}
        self.start = START

    def extend(self, events: list[EventRecord], end: EventPosition) -> None:
        for event in events:
            position = event.position
            self._all.events.append(event)
            self._all.positions.append(position)
            run = self._by_organization.get(event.organization_id)
            if run is None:
                run = self._by_organization[event.organization_id] = _Run()
            run.events.append(event)
            run.positions.append(position)
        excess = len(self._all.events) - self._size
        if excess > self._size // 4:
            self.start = self._all.positions[excess - 1]
            self._all.drop_through(self.start)
            for organization_id, run in list(self._by_organization.items()):
                run.drop_through(self.start)
                if not run.events:
                    del self._by_organization[organization_id]
        if not self._all.events:
            self.start = end  # nothing in between: (end, end] is empty and complete

    def after(self, position: EventPosition, organization_id: UUID | None = None) -> list[EventRecord]:
        """The events after `position` (of one organization, if given)."""
        run = self._all if organization_id is None else self._by_organization.get(organization_id)
        return run.after(position) if run is not None else []


class FeedHub:
    def __init__(
        self,
        engine: AsyncEngine,
        listener: Listener,
        *,
        ring_size: int = 10_000,
        poll_interval: float = 0.1,
        batch_size: int = 1_000,
    ) -> None:
        self._engine = engine
        self._listener = listener
        listener.follow(CHANNEL, self._notified, self._wake_now)  # whatever was committed while it was away
        self._announce = asyncio.Event()
        self._ring = Ring(ring_size)
        self.position = START
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._waiters: dict[UUID | None, asyncio.Event] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> "FeedHub":
        async with raw.connection(self._engine) as connection:
            # Start at the present: what came before is served from the table.
            self.position = (await read_after(connection, EVERYTHING, START, 0)).high_water
        self._ring.start = self.position
        self._tasks = [asyncio.create_task(work()) for work in (self._run, self._announcer)]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await cancel_and_wait(self._tasks)

    def committed(self) -> None:
        """This process committed events: poll now, and tell the other processes."""
        self._wake.set()
        self._announce.set()

    def _wake_now(self) -> None:
        self._wake.set()

    def _notified(self, pid: int, _payload: str) -> None:
        # Our own NOTIFYs come back too: this process polled at its commits already.
        if pid != self._listener.pid:
            self._wake.set()

    async def _announcer(self) -> None:
        while True:
            await self._announce.wait()
            await asyncio.sleep(0.002)  # one NOTIFY for the commits of a burst
            self._announce.clear()
            await self._listener.notify(CHANNEL)  # a lost hint costs one poll interval, no event

    def covers(self, position: EventPosition) -> bool:
        return position >= self._ring.start

    def after(self, position: EventPosition, organization_id: UUID | None = None) -> list[EventRecord]:
        """The ring's events after `position` (of one organization, if given); only valid when
        `covers(position)`."""
        if position >= self.position:
            return []
        return self._ring.after(position, organization_id)

    async def changed(self, organization_id: UUID | None, timeout: float | None = None) -> None:
        """Returns once events of this organization have been found (for None: once the position
        moves), or after `timeout`. Only an organization's own subscribers wake for its events:
        waking every subscriber for every event cost more CPU than the deliveries."""
        waiter = self._waiters.get(organization_id)
        if waiter is None:
            waiter = self._waiters[organization_id] = asyncio.Event()
        if timeout is None:
            await waiter.wait()
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await waiter.wait()

    def _wake_subscribers(self, events: list[EventRecord]) -> None:
        for organization_id in {None, *(event.organization_id for event in events)}:
            waiter = self._waiters.pop(organization_id, None)
            if waiter is not None:
                waiter.set()

    async def _run(self) -> None:
        while True:
            try:
                await self._poll()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be down: keep the position and try again
                logger.exception("feed poll failed; retrying")
                await asyncio.sleep(1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            self._wake.clear()

    async def _poll(self) -> None:
        async with raw.connection(self._engine) as connection:
            while True:
                batch = await read_after(connection, EVERYTHING, self.position, self._batch_size)
                if batch.high_water > self.position:
                    self._ring.extend(batch.events, batch.high_water)
                    self.position = batch.high_water
                    self._wake_subscribers(batch.events)
                if len(batch.events) < self._batch_size:
                    return


async def subscribe(
    hub: FeedHub, engine: AsyncEngine, feed_filter: FeedFilter, start: EventPosition, *, batch_size: int = 500
) -> AsyncIterator[EventRecord]:
    """Every final event matching `feed_filter` after `start`, in order, for ever: from the table
    while the ring does not reach back to the position, then from the ring as it fills."""
    position = start
    while True:
        if hub.covers(position):
            found = hub.after(position, feed_filter.organization_id)
            events = [event for event in found if feed_filter.matches(event)]
            reached = max(position, hub.position)
            for count, event in enumerate(events, 1):
                yield event
                if count % TURN == 0:
                    await asyncio.sleep(0)
            position = reached
            if hub.covers(position) and position >= hub.position:
                # Up to date: the next events of this organization wake us (with no timer to
                # run for each of hundreds of subscribers); a ring trimmed meanwhile past our
                # position sends us to the table then.
                await hub.changed(feed_filter.organization_id)
            continue
        async with raw.connection(engine) as connection:
            batch = await read_after(connection, feed_filter, position, batch_size)
        for count, event in enumerate(batch.events, 1):
            yield event
            if count % TURN == 0:
                await asyncio.sleep(0)
        position = batch.high_water
        if not batch.events and not hub.covers(position):
            # Nothing new yet: wait for the poller's next find.
            await hub.changed(feed_filter.organization_id, timeout=1.0)
