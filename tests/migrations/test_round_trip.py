"""Every migration goes down as well as up: from head to an empty database and back."""

import asyncio

import asyncpg
from alembic import command

from app.db import migrate
from tests.support.database import throwaway_database


async def tables(url: str) -> set[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await connection.close()
    return {row["tablename"] for row in rows} - {"alembic_version"}


async def test_the_migrations_go_down_to_nothing_and_up_again() -> None:
    async with throwaway_database("STOPLIST_TEST_DATABASE_URL", "stoplist-round-trip") as database:
        config = migrate.alembic_config(database.url)
        await asyncio.to_thread(command.upgrade, config, "head")
        at_head = await tables(database.url)

        await asyncio.to_thread(command.downgrade, config, "base")
        emptied = await tables(database.url)
        await asyncio.to_thread(command.upgrade, config, "head")

        assert {"opt_out_links", "opt_out_instructions", "webhook_deliveries", "accounts"} <= at_head
        assert emptied == set()
        assert await tables(database.url) == at_head
