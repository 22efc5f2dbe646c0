import contextlib
from collections.abc import Iterator

from app.db import embedded
from app.settings import Settings


@contextlib.contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """DATABASE_URL when set; otherwise the embedded PostgreSQL in STOPLIST_DATA_DIR."""
    if settings.DATABASE_URL:
        yield settings.DATABASE_URL
        return
    with embedded.running(settings.STOPLIST_DATA_DIR) as url:
        yield url
