"""BatchInFlight: batches written one at a time and in order while the next is read; a failed
batch's error reaches the job at its next submit, or at the end."""

import asyncio

import pytest

from app.bulk.in_flight import BatchInFlight


class Broken(Exception):
    pass


async def test_batches_run_one_at_a_time_in_order_while_the_caller_goes_on() -> None:
    writes = BatchInFlight()
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


async def test_a_failed_batch_fails_the_next_submit_and_abandon_waits_quietly() -> None:
    writes = BatchInFlight()
    later: list[str] = []

    async def fail() -> None:
        raise Broken

    async def never() -> None:
        later.append("ran")

    await writes.submit(fail())
    with pytest.raises(Broken):
        await writes.submit(never())
    await writes.submit(fail())
    await writes.abandon()  # no error: the job's own failure is the one that counts

    assert later == []
