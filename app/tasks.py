"""Ending a component's own background tasks."""

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any


async def cancel_and_wait(tasks: Iterable["asyncio.Future[Any] | None"]) -> None:
    """Cancels each task, then waits for each to end; their cancellation is no error here."""
    running = [task for task in tasks if task is not None]
    for task in running:
        task.cancel()
    for task in running:
        with contextlib.suppress(asyncio.CancelledError):
            await task
