"""A server process's watch over the API keys it holds: those in its key cache and those open
WebSocket connections authenticated with. A key revoked, or past a rotation's grace, is dropped
from the cache and its connections are closed with 4403, in every process: the revoking
transaction's trigger sends a NOTIFY (migration 0009) that wakes each process's check at once,
and the check runs on a timer anyway, so a lost notification delays a withdrawal by one interval
at most. The same task writes the keys' last-used times, a batch at a time."""

import asyncio
import contextlib
import logging
import time
import weakref
from uuid import UUID

from starlette.websockets import WebSocket

from app.auth.repository import ApiKeyRepository
from app.auth.service import ApiKeyService
from app.db.listener import Listener
from app.db.unit_of_work import UnitsOfWork
from app.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

CHANNEL = "stoplist_api_keys"
REVOKED = 4403  # graphql-transport-ws's code for a refused authorization
REVOKED_REASON = "The API key was revoked or has expired"


class KeyWatch:
    def __init__(
        self,
        units: UnitsOfWork,
        api_keys: ApiKeyService,
        listener: Listener,
        *,
        check_seconds: float,
        usage_seconds: float,
    ) -> None:
        self.units, self.api_keys = units, api_keys
        self.check_seconds, self.usage_seconds = check_seconds, usage_seconds
        self._sockets: dict[UUID, weakref.WeakSet[WebSocket]] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        listener.follow(CHANNEL, self._notified, self._wake.set)  # back after a drop: check what it missed

    def watch(self, key_id: UUID, websocket: WebSocket) -> None:
        """A WebSocket connection authenticated with this key: closed when the key is withdrawn.
        Held weakly, so a connection that ends is no longer watched."""
        self._sockets.setdefault(key_id, weakref.WeakSet()).add(websocket)

    async def __aenter__(self) -> "KeyWatch":
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        await cancel_and_wait([self._task])
        with contextlib.suppress(Exception):  # the last uses; the database may be gone by now
            await self._write_usage()

    def _notified(self, _pid: int, _payload: str) -> None:
        self._wake.set()

    async def _run(self) -> None:
        next_check = next_write = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, min(next_check, next_write) - time.monotonic()))
            now = time.monotonic()
            try:
                if self._wake.is_set() or now >= next_check:
                    self._wake.clear()
                    next_check = now + self.check_seconds
                    await self.check()
                if now >= next_write:
                    next_write = now + self.usage_seconds
                    await self._write_usage()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be down: the next interval tries again
                logger.exception("API key check failed; retrying")

    async def check(self) -> None:
        """Drops the withdrawn keys among those held, and closes their connections."""
        held = self.api_keys.held() | {key_id for key_id, sockets in self._sockets.items() if sockets}
        if not held:
            self._sockets.clear()
            return
        async with self.units.read() as unit:
            withdrawn = await ApiKeyRepository(unit.session).withdrawn(sorted(held))
        self.api_keys.forget(withdrawn)
        for key_id in withdrawn:
            for websocket in list(self._sockets.pop(key_id, ())):
                with contextlib.suppress(Exception):  # closed meanwhile
                    await websocket.close(code=REVOKED, reason=REVOKED_REASON)
        for key_id in [key_id for key_id, sockets in self._sockets.items() if not sockets]:
            del self._sockets[key_id]

    async def _write_usage(self) -> None:
        used = self.api_keys.take_usage()
        if used:
            async with self.units.write() as unit:
                await ApiKeyRepository(unit.session).record_use(used)
