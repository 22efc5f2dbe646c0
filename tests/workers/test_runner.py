import asyncio

from app.db.unit_of_work import UnitsOfWork
from app.workers.runner import BackgroundWork, Worker


async def test_a_failing_worker_is_started_again_and_all_stop_together(units: UnitsOfWork) -> None:
    rounds: list[str] = []
    stopped = asyncio.Event()

    async def flaky(_: UnitsOfWork) -> None:
        rounds.append("flaky")
        if len(rounds) < 3:
            raise RuntimeError("the database restarted")
        await asyncio.Event().wait()

    async def steady(_: UnitsOfWork) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    async with BackgroundWork(units, [Worker("flaky", flaky), Worker("steady", steady)], restart_seconds=0.01):
        async with asyncio.timeout(5):
            while len(rounds) < 3:
                await asyncio.sleep(0.01)

    assert rounds == ["flaky", "flaky", "flaky"]
    assert stopped.is_set()
