from starlette.requests import Request
from starlette.responses import JSONResponse


async def healthz(request: Request) -> JSONResponse:
    try:
        async with request.state.units.read() as unit:
            await unit.connection.fetchval("SELECT 1")
    except Exception:  # any failure to reach the database is "down", whatever its cause
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
