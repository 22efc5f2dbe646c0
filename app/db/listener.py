"""One LISTEN connection per server process, for every part that follows a channel (the feed's
wake-ups, the API keys' withdrawals). It reconnects after a drop, and tells each part when it has
(re)connected, so that the part can catch up on what it may have missed meanwhile: a
notification is a hint, never the only way a change is seen."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from app.db.urls import driver_url
from app.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0


@dataclass(frozen=True)
class _Follower:
    channel: str
    notified: Callable[[int, str], None]  # the sending backend's pid, and the payload
    connected: Callable[[], None]


class Listener:
    def __init__(self, database_url: str, *, application_name: str) -> None:
        self._database_url = driver_url(database_url)
        self._application_name = application_name
        self._followers: list[_Follower] = []
        self._connection: asyncpg.Connection | None = None
        self.pid = 0  # of this connection's backend: a process's own NOTIFYs come back to it too
        self._task: asyncio.Task[None] | None = None

    def follow(self, channel: str, notified: Callable[[int, str], None], connected: Callable[[], None]) -> None:
        """Before the listener starts: `notified` for each notification on `channel`, and
        `connected` after each (re)connection."""
        self._followers.append(_Follower(channel, notified, connected))

    async def __aenter__(self) -> "Listener":
        self._task = asyncio.create_task(self._listen())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await cancel_and_wait([self._task])
        if self._connection is not None:
            await self._connection.close()

    async def notify(self, channel: str) -> None:
        """A NOTIFY from this connection, if it is up; a lost one costs the followers a poll."""
        connection = self._connection
        if connection is not None and not connection.is_closed():
            with contextlib.suppress(Exception):
                await connection.execute(f"NOTIFY {channel}")

    async def _listen(self) -> None:
        while True:
            try:
                self._connection = await asyncpg.connect(
                    self._database_url, server_settings={"application_name": self._application_name}
                )
                self.pid = self._connection.get_server_pid()
                for follower in self._followers:
                    await self._connection.add_listener(follower.channel, self._dispatcher(follower))
                for follower in self._followers:
                    follower.connected()
                while not self._connection.is_closed():
                    await asyncio.sleep(RECONNECT_SECONDS)
                logger.warning("listener connection closed; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be down: the followers poll meanwhile
                logger.exception("listener failed; reconnecting")
            await asyncio.sleep(RECONNECT_SECONDS)

    @staticmethod
    def _dispatcher(follower: _Follower) -> Callable[[object, int, str, str], None]:
        def dispatch(_connection: object, pid: int, _channel: str, payload: str) -> None:
            follower.notified(pid, payload)

        return dispatch
