import httpx

from app.db.unit_of_work import UnitsOfWork
from tests.support.client import ApiClient
from tests.support.tenants import Tenant


async def test_no_key_is_refused_with_401(api: ApiClient) -> None:
    response = await api.post("{ organization { id } }", None, key=None)

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json() == {
        "errors": [
            {
                "message": "A valid API key is required: Authorization: Bearer <key>.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }


async def test_unknown_key_is_refused_with_401(api: ApiClient) -> None:
    response = await api.post("{ organization { id } }", None, key="sl_not-a-real-key")

    assert response.status_code == 401


async def test_valid_key_sees_its_organization(tenant: Tenant, api: ApiClient) -> None:
    data = await api.graphql("{ organization { id name } }", key=tenant.reader_key)

    assert data["organization"]["id"] == tenant.public_id


async def test_graphiql_is_served_to_browsers_without_a_key(api: ApiClient) -> None:
    response = await api.http.get("/graphql", headers={"accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_health_reports_the_database(server_url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server_url}/healthz")

    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


async def test_ready_when_the_database_is_migrated(server_url: str) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{server_url}/readyz")

    assert (response.status_code, response.json()) == (
        200,
        {
            "status": "ready",
            "database": "ok",
            "migrations": "ok",
            "workers": "not run in this process (STOPLIST_SERVE_RUNS_WORKERS=false)",
        },
    )


async def test_not_ready_while_the_database_is_behind_the_code(server_url: str, units: UnitsOfWork) -> None:
    async with units.read() as unit:
        head = await unit.connection.fetchval("SELECT version_num FROM alembic_version")
    try:
        async with units.write() as unit:  # as if an older release had migrated it
            await unit.connection.execute("UPDATE alembic_version SET version_num = '0001'")
        async with httpx.AsyncClient() as http:
            response = await http.get(f"{server_url}/readyz")
    finally:
        async with units.write() as unit:
            await unit.connection.execute("UPDATE alembic_version SET version_num = $1", head)

    assert response.status_code == 503
    assert response.json()["migrations"] == f"at 0001, this code needs {head}"
