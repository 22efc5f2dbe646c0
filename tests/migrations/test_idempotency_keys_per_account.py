"""Migration 0003 moves idempotency keys from the organization to the account, keeping the
keys already in use."""

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from alembic import command

from app.db.migrate import alembic_config

ORGANIZATION, ACCOUNT, LIST = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


@pytest.fixture
async def at_0002(database_url: str) -> AsyncIterator[str]:
    """A database of its own on the test server, migrated to revision 0002."""
    name = f"migration_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(database_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(database_url)._replace(path=f"/{name}"))
    try:
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0002")
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def seed(connection: "asyncpg.Connection[asyncpg.Record]") -> None:
    await connection.execute("INSERT INTO organizations (id, name) VALUES ($1, 'Org')", ORGANIZATION)
    async with connection.transaction():
        await connection.execute("INSERT INTO opt_out_lists (id, organization_id) VALUES ($1, $2)", LIST, ORGANIZATION)
        await connection.execute(
            "INSERT INTO accounts (id, organization_id, name, list_id) VALUES ($1, $2, 'A', $3)",
            ACCOUNT,
            ORGANIZATION,
            LIST,
        )
    event_id = await connection.fetchval(
        "INSERT INTO opt_out_events (organization_id, list_id, account_id, scope, token, token_type, channel, action,"
        " source) VALUES ($1, $2, $3, 'ORGANIZATION', '+31611111111', 'MSISDN', 'SMS', 'OPT_OUT', 'API') RETURNING id",
        ORGANIZATION,
        LIST,
        ACCOUNT,
    )
    await connection.execute(
        "INSERT INTO idempotency_keys (organization_id, key, operation, fingerprint, event_ids)"
        " VALUES ($1, 'changed', 'OPT_OUT', 'f1', $2), ($1, 'changed-nothing', 'OPT_OUT', 'f2', '{}')",
        ORGANIZATION,
        [event_id],
    )


async def test_keys_in_use_keep_working_for_the_account_of_their_events(at_0002: str) -> None:
    connection = await asyncpg.connect(at_0002)
    try:
        await seed(connection)

        await asyncio.to_thread(command.upgrade, alembic_config(at_0002), "0003")

        rows = await connection.fetch("SELECT key, account_id FROM idempotency_keys ORDER BY key")
        assert [(row["key"], row["account_id"]) for row in rows] == [("changed", ACCOUNT)]
        # The same key is now free in another account of the organization.
        constraint = await connection.fetchval(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'idempotency_keys_pkey'"
        )
        assert constraint == "PRIMARY KEY (organization_id, account_id, key)"
    finally:
        await connection.close()


async def test_the_migration_can_be_undone(at_0002: str) -> None:
    connection = await asyncpg.connect(at_0002)
    try:
        await seed(connection)
        await asyncio.to_thread(command.upgrade, alembic_config(at_0002), "0003")

        await asyncio.to_thread(command.downgrade, alembic_config(at_0002), "0002")

        rows = await connection.fetch("SELECT key FROM idempotency_keys")
        assert [row["key"] for row in rows] == ["changed"]
    finally:
        await connection.close()
