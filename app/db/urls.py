"""DATABASE_URL comes in libpq form (postgresql://...); SQLAlchemy wants its driver named."""

from urllib.parse import urlsplit


def sqlalchemy_url(url: str) -> str:
    scheme, rest = url.split("://", 1)
    if "+" in scheme:
        return url
    return f"postgresql+asyncpg://{rest}"


def driver_url(url: str) -> str:
    """The libpq form asyncpg.connect takes."""
    scheme, rest = url.split("://", 1)
    return f"postgresql://{rest}" if "+" in scheme else url


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
