"""stoplist serve | worker | migrate | org create | key create|list|revoke|rotate | import | scrub | export"""

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from app import ids, logs, metrics
from app.auth.commands import add_key_commands, run_key_command
from app.auth.service import ApiKeyService
from app.bulk.commands import add_bulk_commands
from app.bulk.run import run_export, run_import, run_scrub
from app.cli_help import document
from app.db import migrate
from app.db.database import database_url
from app.db.engine import build_engine
from app.db.unit_of_work import UnitOfWork, UnitsOfWork, Wakeups
from app.db.urls import redacted
from app.errors import DomainError
from app.organizations.service import organization_service
from app.settings import Settings, get_settings
from app.workers.all import workers
from app.workers.runner import BackgroundWork
from app.workers.wakeup import Wakeup

T = TypeVar("T")
logger = logging.getLogger("stoplist")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stoplist", description="Stoplist: opt-out (suppression list) service.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply pending migrations, then serve GraphQL and HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on (0.0.0.0: every interface)")
    serve.add_argument("--port", type=int, default=8000, help="the port to listen on")
    serve.add_argument("--workers", type=int, default=1, help="server processes")

    commands.add_parser("migrate", help="apply pending migrations and exit")
    commands.add_parser(
        "worker", help="run the background work (webhook deliveries, outbound SMS, purges) without serving"
    )

    org = commands.add_parser("org", help="organizations").add_subparsers(dest="action", required=True)
    org_create = org.add_parser("create", help="create an organization and its first admin API key")
    org_create.add_argument("name")
    org_create.add_argument("--json", action="store_true", help="print JSON")

    add_key_commands(commands)
    add_bulk_commands(commands)
    document(parser)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = get_settings()
    logs.configure(settings.STOPLIST_LOG_LEVEL, settings.STOPLIST_LOG_FORMAT)
    if args.command in ("org", "key", "import", "scrub", "export"):
        # Their output is the key, shown once: keep it from drowning in migration chatter.
        logging.getLogger("alembic").setLevel(logging.WARNING)  # all of it, past what logs.configure quiets
        logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per call would break the progress line
    try:
        if args.command == "serve":
            serve(settings, host=args.host, port=args.port, workers=args.workers)
        elif args.command == "worker":
            work(settings)
        elif args.command == "migrate":
            with database_url(settings) as url:
                migrate.upgrade(url)
                print(f"Database at {redacted(url)} is up to date.")
        elif args.command == "org":
            create_organization(settings, args.name, as_json=args.json)
        elif args.command == "key":
            keys = ApiKeyService(settings.STOPLIST_API_KEY_PEPPER.get_secret_value())
            run_key_command(args, keys, lambda work: _in_a_unit_of_work(settings, work))
        elif args.command == "import":
            run_import(args, lambda work: _in_a_unit_of_work(settings, work))
        elif args.command == "scrub":
            run_scrub(args, lambda work: _in_a_unit_of_work(settings, work))
        elif args.command == "export":
            run_export(args, lambda work: _in_a_unit_of_work(settings, work))
    except DomainError as error:
        print(f"error: {error.message}", file=sys.stderr)
        sys.exit(2)


def serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    import uvicorn

    if workers < 1:
        print(f"error: --workers is {workers}; it must be at least 1.", file=sys.stderr)
        sys.exit(2)
    # uvicorn shuts down gracefully on SIGTERM or Ctrl-C, then raises the signal again; with the
    # default handlers that kills the process before the embedded PostgreSQL below is stopped
    # (SIGTERM), or ends in a traceback (SIGINT). Exiting through Python runs the cleanup.
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, _exit_on_signal)
    with database_url(settings) as url, _metrics_shared_by(workers):
        migrate.upgrade(url)
        # Workers (and this process) read the resolved URL: they join the embedded server, never start one.
        os.environ["DATABASE_URL"] = url
        if not settings.STOPLIST_PUBLIC_URL:  # links point where this server listens
            os.environ["STOPLIST_PUBLIC_URL"] = f"http://{f'[{host}]' if ':' in host else host}:{port}"
        get_settings.cache_clear()
        logger.info("serving on http://%s:%d/graphql (database %s)", host, port, redacted(url))
        uvicorn.run(
            "app.main:app_factory",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=settings.STOPLIST_LOG_LEVEL.lower(),
            log_config=None,  # each worker sets the log up as this process did (app/logs.py)
            access_log=False,  # app/http/request_log.py writes a line per request instead
            http="app.http.uvicorn_protocol:HeaderTimeoutProtocol",  # by name: each worker imports it
            timeout_keep_alive=settings.STOPLIST_HTTP_KEEP_ALIVE_SECONDS,
            ws="websockets-sansio",
            ws_max_size=settings.STOPLIST_MAX_BODY_BYTES,
            ws_per_message_deflate=settings.STOPLIST_WS_PER_MESSAGE_DEFLATE,
        )


@contextlib.contextmanager
def _metrics_shared_by(workers: int) -> Iterator[None]:
    """With several workers, a folder where each writes its metrics, so that a scrape of any of
    them sums them all (app/metrics.py); it is set before they start, and removed after."""
    if workers == 1 or "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        yield
        return
    folder = tempfile.mkdtemp(prefix="stoplist-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = folder
    try:
        yield
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        shutil.rmtree(folder, ignore_errors=True)


def work(settings: Settings) -> None:
    """Runs the background work until SIGTERM or Ctrl-C, beside `stoplist serve` processes
    started with STOPLIST_SERVE_RUNS_WORKERS=false (or as well as them: it is safe either way)."""
    if not settings.DATABASE_URL:
        # The embedded PostgreSQL belongs to `stoplist serve`, which runs the work itself.
        print(
            "error: stoplist worker needs DATABASE_URL (with the embedded database, serve runs the work)",
            file=sys.stderr,
        )
        sys.exit(2)
    url = settings.DATABASE_URL
    metrics.record(settings.STOPLIST_METRICS)
    migrate.upgrade(url)
    logger.info("running background work (database %s)", redacted(url))
    asyncio.run(_work(url, settings))


async def _work(url: str, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(stop_signal, stop.set)
    engine = build_engine(
        url,
        pool_size=settings.STOPLIST_DB_POOL_SIZE,
        application_name=f"{settings.STOPLIST_DB_APPLICATION_NAME}-worker",
    )
    try:
        outbox = Wakeup()
        async with BackgroundWork(UnitsOfWork(engine, Wakeups(outbox=outbox)), workers(settings, outbox)):
            await stop.wait()
    finally:
        await engine.dispose()
    logger.info("background work stopped")


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _in_a_unit_of_work(settings: Settings, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    with database_url(settings) as url:
        migrate.upgrade(url)

        async def run() -> T:
            engine = build_engine(url, pool_size=1)
            try:
                async with UnitsOfWork(engine).write() as unit:
                    return await work(unit)
            finally:
                await engine.dispose()

        return asyncio.run(run())


def create_organization(settings: Settings, name: str, *, as_json: bool) -> None:
    keys = ApiKeyService(settings.STOPLIST_API_KEY_PEPPER.get_secret_value())
    created = _in_a_unit_of_work(settings, lambda unit: organization_service.create(unit, keys, name=name))
    organization_id = ids.encode("Organization", created.organization.id)
    if as_json:
        _print_json(
            {
                "organization": {"id": organization_id, "name": created.organization.name},
                "apiKey": created.admin_key.key,
            }
        )
        return
    print(f'Organization "{created.organization.name}" created: {organization_id}')
    print(f"Admin API key (shown once, store it now): {created.admin_key.key}")


def _print_json(value: dict[str, Any]) -> None:
    print(json.dumps(value))


if __name__ == "__main__":
    main()
