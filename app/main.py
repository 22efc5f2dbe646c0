"""create_app(settings): the one place that wires the adapters to the services."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import TypedDict

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, WebSocketRoute

from app import logs, metrics
from app.auth.key_watch import KeyWatch
from app.auth.service import ApiKeyService
from app.db.engine import build_engine
from app.db.listener import Listener
from app.db.migrate import head_revision
from app.db.unit_of_work import UnitsOfWork, Wakeups
from app.feed.hub import FeedHub
from app.http.cors import cors
from app.http.exports import export_audience, export_history, export_inbound, export_opt_outs
from app.http.graphiql.page import GraphiQLAssets
from app.http.health import healthz, readyz
from app.http.imports import import_contacts_route, import_opt_outs
from app.http.inbound import inbound_sms
from app.http.limits import RequestLimits
from app.http.metrics import metrics_route
from app.http.opt_out_pages.routes import OptOutPages, not_a_code, style
from app.http.request_log import RequestLog
from app.http.scrub import scrub
from app.memory import collect_garbage_every, tune_garbage_collector
from app.settings import Settings, get_settings
from app.workers.all import workers
from app.workers.runner import BackgroundWork
from app.workers.wakeup import Wakeup
from graphql_schema.execution import ignore_abandoned_field_coroutines
from graphql_schema.schema import build_schema
from graphql_schema.view import StoplistGraphQL

logger = logging.getLogger("stoplist")
# Routes that take files (http-contract.md): bounded by STOPLIST_MAX_UPLOAD_BYTES, not the body limit.
UPLOAD_PATHS = ("/imports/", "/scrub")
POOL_SAMPLE_SECONDS = 5.0  # each process's database pool, for GET /metrics


class State(TypedDict):
    units: UnitsOfWork
    feed: FeedHub
    api_keys: ApiKeyService
    key_watch: KeyWatch
    background: BackgroundWork | None  # None where this process runs no background work
    migration_head: str
    metrics_token: str | None  # GET /metrics needs it as a Bearer token, when set
    links_base: str


def create_app(settings: Settings, database_url: str) -> Starlette:
    migration_head = head_revision()
    metrics.record(settings.STOPLIST_METRICS)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[State]:
        engine = build_engine(
            database_url,
            pool_size=settings.STOPLIST_DB_POOL_SIZE,
            application_name=settings.STOPLIST_DB_APPLICATION_NAME,
        )
        collector = (
            asyncio.create_task(collect_garbage_every(settings.STOPLIST_GC_INTERVAL_SECONDS))
            if settings.STOPLIST_GC_INTERVAL_SECONDS > 0
            else None
        )
        pool_sampler = asyncio.create_task(metrics.sample_pool_every(engine, POOL_SAMPLE_SECONDS))
        try:
            listener = Listener(database_url, application_name=f"{settings.STOPLIST_DB_APPLICATION_NAME}-listener")
            feed = FeedHub(
                engine,
                listener,
                ring_size=settings.STOPLIST_FEED_RING_SIZE,
                poll_interval=settings.STOPLIST_FEED_POLL_SECONDS,
            )
            outbox = Wakeup()
            units = UnitsOfWork(engine, Wakeups(feed=feed.committed, outbox=outbox))
            api_keys = ApiKeyService(settings.STOPLIST_API_KEY_PEPPER.get_secret_value())
            key_watch = KeyWatch(
                units,
                api_keys,
                listener,
                check_seconds=settings.STOPLIST_KEY_CHECK_SECONDS,
                usage_seconds=settings.STOPLIST_KEY_USAGE_SECONDS,
            )
            runs_workers = settings.STOPLIST_SERVE_RUNS_WORKERS
            background = BackgroundWork(units, workers(settings, outbox) if runs_workers else [])
            async with listener, feed, key_watch, background:
                yield {
                    "units": units,
                    "feed": feed,
                    "api_keys": api_keys,
                    "key_watch": key_watch,
                    "links_base": settings.public_url,
                    "background": background if runs_workers else None,
                    "migration_head": migration_head,
                    "metrics_token": settings.metrics_token,
                }
        finally:
            pool_sampler.cancel()
            if collector is not None:
                collector.cancel()
            await engine.dispose()

    graphql = StoplistGraphQL(
        build_schema(settings),
        graphql_ide="graphiql",
        keep_alive=True,  # the legacy graphql-ws protocol's "ka" messages
        keep_alive_interval=settings.STOPLIST_WS_KEEP_ALIVE_SECONDS,
        max_subscriptions_per_connection=settings.STOPLIST_WS_MAX_SUBSCRIPTIONS,
        connection_init_wait_timeout=timedelta(seconds=settings.STOPLIST_WS_INIT_TIMEOUT_SECONDS),
    )
    pages = OptOutPages(settings.STOPLIST_LINK_LOOKUPS_PER_MINUTE)
    return Starlette(
        routes=[
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_route, methods=["GET"]),
            Route("/inbound/sms", inbound_sms, methods=["POST"]),
            Route("/imports/optouts", import_opt_outs, methods=["POST"]),
            Route("/imports/contacts", import_contacts_route, methods=["POST"]),
            Route("/scrub", scrub, methods=["POST"]),
            Route("/exports/optouts", export_opt_outs, methods=["GET"]),
            Route("/exports/history", export_history, methods=["GET"]),
            Route("/exports/audience", export_audience, methods=["GET"]),
            Route("/exports/inbound", export_inbound, methods=["GET"]),
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/o/page.css", style, methods=["GET"]),
            Route("/o/{code}", pages.page, methods=["GET"]),
            Route("/o/{code}", pages.confirm, methods=["POST"]),
            Route("/o/{path:path}", not_a_code, methods=["GET", "POST"]),
            Mount("/graphiql/static", GraphiQLAssets()),
        ],
        middleware=[
            Middleware(RequestLog),
            *cors(settings.STOPLIST_CORS_ORIGINS),
            Middleware(
                RequestLimits,
                max_body_bytes=settings.STOPLIST_MAX_BODY_BYTES,
                body_timeout=settings.STOPLIST_HTTP_BODY_TIMEOUT_SECONDS,
                upload_paths=UPLOAD_PATHS,
                max_upload_bytes=settings.STOPLIST_MAX_UPLOAD_BYTES,
            ),
        ],
        lifespan=lifespan,
    )


def app_factory() -> Starlette:
    """For uvicorn workers: `stoplist serve` has already set DATABASE_URL (to the embedded server if need be)."""
    settings = get_settings()
    if not settings.DATABASE_URL:
        raise RuntimeError("DATABASE_URL is not set; start the service with `stoplist serve`.")
    logs.configure(settings.STOPLIST_LOG_LEVEL, settings.STOPLIST_LOG_FORMAT)
    app = create_app(settings, settings.DATABASE_URL)
    ignore_abandoned_field_coroutines()
    tune_garbage_collector()
    return app
