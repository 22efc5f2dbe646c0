"""BatchInFlight: batches written one at a time and in order while the next is read; a failed
batch's error reaches the job at its next submit, or at the end; each batch is handed to the
unit that must wait for it should the job fail."""

import asyncio

import pytest

from app.bulk.in_flight import BatchInFlight


class Broken(Exception):
    pass


async def test_batches_run_one_at_a_time_in_order_while_the_caller_goes_on() -> None:
    writes = BatchInFlight(lambda _: None)
    log: list[str] = []

    async def write(name: str) -> None:
        log.append(f"start {name}")
        await asyncio.sleep(0.01)
        log.append(f"end {name}")

    await writes.submit(write("a"))
    log.append("reading b")  # the caller parses on while "a" is written
    await writes.submit(write("b"))
    await writes.drain()

    assert log == ["reading b", "start a", "end a", "start b", "end b"]


async def test_a_failed_batch_fails_the_next_submit_and_each_batch_is_tracked() -> None:
    tracked: list[asyncio.Future[object]] = []
    writes = BatchInFlight(tracked.append)
    later: list[str] = []

    async def fail() -> None:
        raise Broken

    async def never() -> None:
        later.append("ran")

    await writes.submit(fail())
    with pytest.raises(Broken):
        await writes.submit(never())
    await writes.submit(fail())

    assert later == []
    assert len(tracked) == 2  # the two that started: the unit waits for such a one if the job fails
    with pytest.raises(Broken):
        await tracked[1]
