from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.service import ApiKeyService
from app.db import migrate
from app.db.engine import build_engine
from app.db.unit_of_work import UnitsOfWork
from tests.support.client import ApiClient
from tests.support.database import throwaway_database
from tests.support.server import Server, running_server
from tests.support.tenants import Tenant, make_tenant

# The server and the factories must hash keys alike; a non-empty pepper also proves it is used.
PEPPER = "test-pepper"


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with throwaway_database("STOPLIST_TEST_DATABASE_URL", "stoplist-test") as database:
        await migrate.upgrade_async(database.url)
        yield database.url


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = build_engine(database_url, pool_size=5)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def units(engine: AsyncEngine) -> UnitsOfWork:
    return UnitsOfWork(engine)


@pytest.fixture(scope="session")
def server(database_url: str) -> Iterator[Server]:
    # Short WebSocket keep-alives and initialisation timeout, so the tests can see them.
    env = {
        "DATABASE_URL": database_url,
        "STOPLIST_API_KEY_PEPPER": PEPPER,
        "STOPLIST_WS_KEEP_ALIVE_SECONDS": "0.5",
        "STOPLIST_WS_INIT_TIMEOUT_SECONDS": "2",
        "STOPLIST_KEY_USAGE_SECONDS": "0.2",  # so a key's last use shows soon
    }
    with running_server(env) as server:
        yield server


@pytest.fixture(scope="session")
def server_url(server: Server) -> str:
    return server.url


@pytest.fixture(scope="session")
async def api(server_url: str) -> AsyncIterator[ApiClient]:
    async with httpx.AsyncClient(base_url=server_url, timeout=60.0) as http:
        yield ApiClient(http)


@pytest.fixture(scope="session")
def api_keys() -> ApiKeyService:
    return ApiKeyService(PEPPER)


@pytest.fixture
async def tenant(api: ApiClient, units: UnitsOfWork, api_keys: ApiKeyService) -> Tenant:
    return await make_tenant(api, units, api_keys)


@pytest.fixture
async def other_tenant(api: ApiClient, units: UnitsOfWork, api_keys: ApiKeyService) -> Tenant:
    return await make_tenant(api, units, api_keys)
