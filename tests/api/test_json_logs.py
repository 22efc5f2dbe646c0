"""STOPLIST_LOG_FORMAT=json: every line of the log is one JSON object, the request lines with
their fields apart, for log shippers."""

import json
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import PEPPER
from tests.support.server import Server, running_server
from tests.support.tenants import Tenant


@pytest.fixture(scope="module")
def json_logging(database_url: str) -> Iterator[Server]:
    env = {"DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER, "STOPLIST_LOG_FORMAT": "json"}
    with running_server(env) as server:
        yield server


async def test_every_line_is_a_json_object_and_a_request_has_its_fields(json_logging: Server, tenant: Tenant) -> None:
    async with httpx.AsyncClient(base_url=json_logging.url) as http:
        answer = await http.post(
            "/graphql",
            json={"query": "query Who { organization { id } }"},
            headers={"authorization": f"Bearer {tenant.reader_key}", "x-request-id": "json-1"},
        )
    assert answer.status_code == 200

    entries = [json.loads(line) for line in json_logging.log.read_text().splitlines() if line.strip()]

    request = next(entry for entry in entries if entry.get("request_id") == "json-1")
    assert {key: request[key] for key in ("level", "logger", "method", "path", "status", "operation")} == {
        "level": "INFO",
        "logger": "stoplist.request",
        "method": "POST",
        "path": "/graphql",
        "status": 200,
        "operation": "Who",
    }
    assert request["key_id"].startswith("key_") and request["duration_ms"] >= 0
    assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)
