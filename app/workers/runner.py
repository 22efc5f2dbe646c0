"""Runs the workers of a process, each in its own task, until told to stop. A worker that fails
is logged and started again after a pause: one bad round (the database restarting, say) must
not stop the work for good."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from app.db.unit_of_work import UnitsOfWork
from app.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

RESTART_SECONDS = 5.0


@dataclass(frozen=True)
class Worker:
    name: str
    run: Callable[[UnitsOfWork], Awaitable[None]]  # loops for ever; returns only to be run again


class BackgroundWork:
    def __init__(self, units: UnitsOfWork, workers: Sequence[Worker], *, restart_seconds: float = RESTART_SECONDS):
        self._units = units
        self._workers = workers
        self._restart_seconds = restart_seconds
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Self:
        self._tasks = [asyncio.create_task(self._supervise(worker), name=worker.name) for worker in self._workers]
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await cancel_and_wait(self._tasks)

    def stopped(self) -> list[str]:
        """The workers whose task has ended: none while all is well (each restarts after a failure)."""
        return [task.get_name() for task in self._tasks if task.done()]

    async def _supervise(self, worker: Worker) -> None:
        while True:
            try:
                await worker.run(self._units)
            except asyncio.CancelledError:
                raise
            except Exception:  # logged and retried: see the module's docstring
                logger.exception("background worker %s failed; starting it again", worker.name)
            await asyncio.sleep(self._restart_seconds)
