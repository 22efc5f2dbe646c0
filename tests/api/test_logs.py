"""The server's log carries no personal data, and a client's mistakes are not logged as the
server's errors."""

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from app.log_privacy import redacted_traceback
from tests.support.client import ApiClient
from tests.support.server import Server
from tests.support.tenants import OPT_OUT, Tenant

PHONE, EMAIL = "+31687650001", "private.person@example.com"


def written_since(log: Path, offset: int) -> str:
    with open(log, encoding="utf-8", errors="replace") as lines:
        lines.seek(offset)
        return lines.read()


async def test_client_errors_log_neither_the_document_nor_an_error(
    server: Server, tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()
    offset = server.log.stat().st_size

    await api.post(
        f'{{ checkOptOuts(accountId: "{account}", channel: SMS, tokens: ["{PHONE}"]) {{ nope }} }}',
        None,
        key=tenant.reader_key,
    )
    await api.post(
        OPT_OUT, {"input": {"accountId": "acc_nope", "token": PHONE, "channels": ["SMS"]}}, key=tenant.writer_key
    )
    await api.post(
        OPT_OUT, {"input": {"accountId": account, "token": EMAIL, "channels": ["SMS"]}}, key=tenant.writer_key
    )
    await api.post(
        OPT_OUT, {"input": {"accountId": account, "token": f"{PHONE}\x00", "channels": ["SMS"]}}, key=tenant.writer_key
    )
    await api.post(
        f'{{ optOutHistory(accountId: "{account}", token: "{EMAIL}", after: "x") {{ totalCount }} }}',
        None,
        key=tenant.reader_key,
    )
    await api.http.get(
        "/graphql",
        params={
            "query": f'{{ checkOptOuts(accountId: "{account}", channel: EMAIL, tokens: ["{EMAIL}"]) {{ optedOut }} }}'
        },
        headers={"authorization": f"Bearer {tenant.reader_key}"},
    )

    log = written_since(server.log, offset)
    assert "INFO stoplist.request: GET /graphql 200 " in log  # the request's line, without its query string
    assert PHONE not in log
    assert EMAIL not in log and "private.person" not in log
    assert " ERROR " not in log and "Traceback" not in log


async def test_a_failed_statement_does_not_carry_its_parameters(engine: AsyncEngine) -> None:
    with pytest.raises(DBAPIError) as failed:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT CAST(:token AS integer)"), {"token": EMAIL})

    logged = redacted_traceback(failed.value)
    assert "sqlalchemy.exc.DBAPIError: (sqlalchemy.dialects.postgresql.asyncpg.Error) invalid input for query" in logged
    assert "[SQL parameters hidden due to hide_parameters=True]" in logged
    assert EMAIL not in logged and "private.person" not in logged


async def test_each_request_has_a_line_with_its_id_operation_key_status_and_duration(
    server: Server, tenant: Tenant, api: ApiClient
) -> None:
    account = await tenant.create_account()
    offset = server.log.stat().st_size
    headers = {"authorization": f"Bearer {tenant.reader_key}"}
    check = f'checkOptOuts(accountId: "{account}", channel: SMS, tokens: ["{PHONE}"]) {{ optedOut }}'
    query = {"query": f"query Suppressed {{ {check} }}"}

    named = await api.http.post("/graphql", json=query, headers={**headers, "x-request-id": "campaign-42"})
    two_fields = {"query": f'{{ organization {{ id }} account(id: "{account}") {{ id }} }}'}
    anonymous = await api.http.post("/graphql", json=two_fields, headers=headers)
    hostile = await api.http.post("/graphql", json=query, headers={**headers, "x-request-id": "x" * 65})
    keyless = await api.http.get("/exports/optouts")

    lines = written_since(server.log, offset).splitlines()
    key_id = (await api.graphql("{ apiKeys { id prefix } }", key=tenant.admin_key))["apiKeys"]
    reader_id = next(key["id"] for key in key_id if tenant.reader_key.startswith(key["prefix"]))
    assert named.headers["x-request-id"] == "campaign-42"
    assert len(hostile.headers["x-request-id"]) == 16  # replaced by one of the server's own
    requests = [line for line in lines if " stoplist.request: " in line]
    assert [line.split("stoplist.request: ")[1].split()[:3] for line in requests[-4:]] == [
        ["POST", "/graphql", "200"],
        ["POST", "/graphql", "200"],
        ["POST", "/graphql", "200"],
        ["GET", "/exports/optouts", str(keyless.status_code)],
    ]
    assert requests[-4].endswith(f" request=campaign-42 operation=Suppressed key={reader_id}")
    assert requests[-3].endswith(f"operation=organization,account key={reader_id}")
    assert " key=" not in requests[-1]
    assert all(PHONE not in line for line in lines)
    assert anonymous.status_code == 200
