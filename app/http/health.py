"""/healthz: the process is up and reaches its database (liveness). /readyz: it can serve
(readiness): the database reachable, at the migration this code expects, and the background
work of this process running, where it runs here."""

from starlette.requests import Request
from starlette.responses import JSONResponse

from app.workers.runner import BackgroundWork


async def healthz(request: Request) -> JSONResponse:
    try:
        async with request.state.units.read() as unit:
            await unit.connection.fetchval("SELECT 1")
    except Exception:  # any failure to reach the database is "down", whatever its cause
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


async def readyz(request: Request) -> JSONResponse:
    head: str = request.state.migration_head
    background: BackgroundWork | None = request.state.background
    checks: dict[str, str] = {}
    try:
        async with request.state.units.read() as unit:
            current = await unit.connection.fetchval("SELECT version_num FROM alembic_version")
    except Exception:  # unreachable, or not migrated at all: not ready either way
        checks["database"] = "unreachable"
    else:
        checks["database"] = "ok"
        checks["migrations"] = "ok" if current == head else f"at {current}, this code needs {head}"
    if background is None:
        checks["workers"] = "not run in this process (STOPLIST_SERVE_RUNS_WORKERS=false)"
    else:
        stopped = background.stopped()
        checks["workers"] = "ok" if not stopped else "stopped: " + ", ".join(stopped)
    ready = checks["database"] == "ok" and checks["migrations"] == "ok" and not checks["workers"].startswith("stopped")
    return JSONResponse({"status": "ready" if ready else "unavailable", **checks}, status_code=200 if ready else 503)
