from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.db.urls import sqlalchemy_url


def build_engine(database_url: str, *, pool_size: int = 20, application_name: str = "stoplist") -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(database_url),
        pool_size=pool_size,
        # No overflow: overflow connections are closed on return, so a burst above the pool size
        # opened and closed connections on every request (py-spy: connect, TLS probe, close).
        # A request now waits for a pooled connection instead, which costs nothing.
        max_overflow=0,
        pool_timeout=30,
        pool_pre_ping=False,
        # Reconnects after a database restart: a dropped connection is discarded, not reused.
        pool_recycle=3600,
        # Statement errors would otherwise carry their parameters (phone numbers, e-mails) into logs.
        hide_parameters=True,
        connect_args={
            "server_settings": {"application_name": application_name},
            # Our statements are a fixed set, so they may stay prepared for good; and a lifetime
            # means a timer per statement, which keeps a copy of the context of the request that
            # prepared it (and what that context references) for as long.
            "max_cached_statement_lifetime": 0,
        },
    )
