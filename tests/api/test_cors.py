"""CORS: a dashboard on an allowed origin may call the API from a browser, preflight included;
no other origin gets the headers a browser needs, and "*" never comes with credentials."""

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import PEPPER
from tests.support.server import running_server
from tests.support.tenants import Tenant

DASHBOARD = "https://dash.example.com"
PREFLIGHT = {
    "access-control-request-method": "POST",
    "access-control-request-headers": "authorization, content-type",
}


def server_with(database_url: str, origins: str) -> Iterator[str]:
    env = {"DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER, "STOPLIST_CORS_ORIGINS": origins}
    with running_server(env) as server:
        yield server.url


@pytest.fixture(scope="module")
def listed(database_url: str) -> Iterator[str]:
    yield from server_with(database_url, f"{DASHBOARD}, http://localhost:3000")


@pytest.fixture(scope="module")
def anyone(database_url: str) -> Iterator[str]:
    yield from server_with(database_url, "*")


async def test_an_allowed_origin_passes_the_preflight_and_reads_the_answer(listed: str, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=listed) as http:
        preflight = await http.options("/graphql", headers={"origin": DASHBOARD, **PREFLIGHT})
        answer = await http.post(
            "/graphql",
            json={"query": "{ organization { id } }"},
            headers={"origin": DASHBOARD, "authorization": f"Bearer {tenant.reader_key}"},
        )

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == DASHBOARD
    assert {"authorization", "content-type"} <= set(preflight.headers["access-control-allow-headers"].split(", "))
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert answer.headers["access-control-allow-origin"] == DASHBOARD
    assert "x-request-id" in answer.headers["access-control-expose-headers"]
    assert answer.json()["data"]["organization"]["id"] == tenant.public_id


async def test_another_origin_gets_no_cors_headers(listed: str, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=listed) as http:
        preflight = await http.options("/graphql", headers={"origin": "https://evil.example", **PREFLIGHT})
        answer = await http.post(
            "/graphql",
            json={"query": "{ organization { id } }"},
            headers={"origin": "https://evil.example", "authorization": f"Bearer {tenant.reader_key}"},
        )

    assert preflight.status_code == 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers


async def test_a_wildcard_never_allows_credentials(anyone: str, listed: str) -> None:
    async with httpx.AsyncClient() as http:
        wildcard = await http.options(f"{anyone}/graphql", headers={"origin": DASHBOARD, **PREFLIGHT})
        named = await http.options(f"{listed}/graphql", headers={"origin": DASHBOARD, **PREFLIGHT})

    assert wildcard.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in wildcard.headers
    assert named.headers["access-control-allow-credentials"] == "true"


def test_an_origin_with_a_path_is_refused_at_start(database_url: str) -> None:
    with pytest.raises(RuntimeError, match="is not an origin"):
        with running_server({"DATABASE_URL": database_url, "STOPLIST_CORS_ORIGINS": "https://dash.example.com/app"}):
            pass
