"""The unit of work every adapter uses: the ORM session and the driver in one transaction,
after-commit effects only after a commit."""

import asyncio
import uuid

import asyncpg.transaction
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app import models
from app.db.unit_of_work import UnitsOfWork, Wakeups


class Boom(Exception):
    pass


async def names(engine: AsyncEngine, *ids: uuid.UUID) -> list[str]:
    async with UnitsOfWork(engine).read() as unit:
        rows = await unit.connection.fetch("SELECT name FROM organizations WHERE id = ANY($1) ORDER BY name", list(ids))
    return [row["name"] for row in rows]


async def test_the_session_and_the_driver_write_in_one_transaction(engine: AsyncEngine) -> None:
    by_orm, by_driver = uuid.uuid4(), uuid.uuid4()
    woken: list[str] = []

    async with UnitsOfWork(engine, Wakeups(feed=lambda: woken.append("feed"))).write() as unit:
        unit.session.add(models.Organization(id=by_orm, name="By the ORM"))
        await unit.session.flush()
        await unit.connection.execute("INSERT INTO organizations (id, name) VALUES ($1, 'By the driver')", by_driver)
        unit.events_written()
        unit.events_written()
        assert await names(engine, by_orm, by_driver) == []  # not visible before the commit
        assert woken == []

    assert await names(engine, by_orm, by_driver) == ["By the ORM", "By the driver"]
    assert woken == ["feed"]  # once, after the commit


async def test_a_failed_unit_leaves_nothing_and_has_no_after_commit_effect(engine: AsyncEngine) -> None:
    by_orm, by_driver = uuid.uuid4(), uuid.uuid4()
    woken: list[str] = []

    with pytest.raises(Boom):
        async with UnitsOfWork(engine, Wakeups(feed=lambda: woken.append("feed"))).write() as unit:
            await unit.connection.execute(
                "INSERT INTO organizations (id, name) VALUES ($1, 'By the driver')", by_driver
            )
            unit.session.add(models.Organization(id=by_orm, name="By the ORM"))
            await unit.session.flush()
            unit.events_written()
            raise Boom

    assert await names(engine, by_orm, by_driver) == []
    assert woken == []


async def test_a_discarded_unit_runs_to_its_end_then_leaves_nothing(engine: AsyncEngine) -> None:
    written = uuid.uuid4()
    woken: list[str] = []
    units = UnitsOfWork(engine, Wakeups(feed=lambda: woken.append("feed")))

    async with units.write() as unit:
        await unit.connection.execute("INSERT INTO organizations (id, name) VALUES ($1, 'Dry run')", written)
        unit.events_written()
        unit.discard()
        seen = await unit.connection.fetchval("SELECT count(*) FROM organizations WHERE id = $1", written)

    assert seen == 1  # the unit went on after discard(), seeing its own writes
    assert await names(engine, written) == []
    assert woken == []


async def test_a_failed_unit_waits_for_the_work_running_on_its_connection(engine: AsyncEngine) -> None:
    written = uuid.uuid4()
    ended: list[str] = []

    async def batch() -> None:
        await asyncio.sleep(0.2)
        await unit.connection.execute("INSERT INTO organizations (id, name) VALUES ($1, 'In flight')", written)
        ended.append("batch")

    with pytest.raises(Boom):
        async with UnitsOfWork(engine).write() as unit:
            unit.running(asyncio.ensure_future(batch()))
            raise Boom  # the job fails while its batch is still being written

    assert ended == ["batch"]  # it ended before the rollback, on the connection it had
    assert await names(engine, written) == []


async def test_pending_orm_changes_are_flushed_at_the_end(engine: AsyncEngine) -> None:
    organization = uuid.uuid4()

    async with UnitsOfWork(engine).write() as unit:
        unit.session.add(models.Organization(id=organization, name="Flushed at the end"))

    assert await names(engine, organization) == ["Flushed at the end"]


async def test_a_pooled_connection_comes_back_without_a_transaction(engine: AsyncEngine) -> None:
    units = UnitsOfWork(engine)
    for _ in range(engine.pool.size() + 1):  # type: ignore[attr-defined]
        async with units.write() as unit:
            await unit.session.get(models.Organization, uuid.uuid4())
        async with units.read() as unit:
            assert not unit.connection.is_in_transaction()


async def idle_in_transaction(engine: AsyncEngine) -> int:
    async with UnitsOfWork(engine).read() as unit:
        count: int = await unit.connection.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
        )
    return count


async def test_a_unit_cancelled_as_it_begins_leaves_no_transaction_open(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cancellation lands after BEGIN reached the server, before asyncpg took the transaction
    # as started: as when graphql-core cancels the sibling of a failed field at that moment.
    started = asyncpg.transaction.Transaction.start

    async def begun_then_cancelled(self: asyncpg.transaction.Transaction) -> None:
        await started(self)
        raise asyncio.CancelledError

    units = UnitsOfWork(engine)
    with monkeypatch.context() as patched:
        patched.setattr(asyncpg.transaction.Transaction, "start", begun_then_cancelled)
        with pytest.raises(asyncio.CancelledError):
            async with units.write():
                pass

    assert await idle_in_transaction(engine) == 0
    written = uuid.uuid4()
    async with units.write() as unit:  # the next units commit: none is a savepoint of a stray transaction
        await unit.connection.execute("INSERT INTO organizations (id, name) VALUES ($1, 'After')", written)
    assert await names(engine, written) == ["After"]
