"""GET /metrics after real traffic on two worker processes, read with prometheus-client's own
parser: every process's counts summed whichever process answers, behind its token."""

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import PEPPER
from tests.support.client import ApiClient
from tests.support.feed import subscribed
from tests.support.server import running_server
from tests.support.tenants import OPT_OUT, Tenant

TOKEN = "scrape-secret"
CHECK = 'query($a: ID!) { checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31611111111"]) { optedOut } }'


@pytest.fixture(scope="module")
def two_workers(database_url: str) -> Iterator[str]:
    env = {
        "DATABASE_URL": database_url,
        "STOPLIST_API_KEY_PEPPER": PEPPER,
        "STOPLIST_METRICS_TOKEN": TOKEN,
        "STOPLIST_DB_APPLICATION_NAME": "stoplist-metrics",
    }
    with running_server(env, workers=2) as server:
        yield server.url


async def on_a_new_connection(url: str, query: str, variables: dict[str, Any], key: str) -> dict[str, Any]:
    """Each call on a connection of its own, so that both processes serve some."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        return dict((await ApiClient(http).post(query, variables, key)).json())


async def scrape(
    url: str, token: str | None = TOKEN
) -> tuple[int, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        answer = await http.get("/metrics", headers={"authorization": f"Bearer {token}"} if token else {})
    if answer.status_code != 200:
        return answer.status_code, {}
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }
    return 200, samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_counts_from_both_processes_are_summed_in_every_scrape(tenant: Tenant, two_workers: str) -> None:
    account = await tenant.create_account()
    for n in range(6):
        made = await on_a_new_connection(
            two_workers,
            OPT_OUT,
            {"input": {"accountId": account, "token": f"+3165000000{n}", "channels": ["SMS"]}},
            tenant.writer_key,
        )
        assert made["data"]["optOut"]["errors"] == []
    await on_a_new_connection(
        two_workers,
        OPT_OUT,
        {"input": {"accountId": account, "token": "+31650000009", "channels": ["SMS", "EMAIL"]}},
        tenant.writer_key,
    )  # refused: e-mail is no channel of a number
    for _ in range(4):
        await on_a_new_connection(two_workers, CHECK, {"a": account}, tenant.reader_key)

    async with subscribed(two_workers, tenant.reader_key):
        await asyncio.sleep(0.5)
        scrapes = [await scrape(two_workers) for _ in range(6)]
    refused, _ = await scrape(two_workers, token=None)
    wrong, _ = await scrape(two_workers, token="guess")

    assert refused == wrong == 401
    for status, samples in scrapes:
        assert status == 200
        assert value(samples, "stoplist_opt_outs_total", channel="SMS", source="API") == 6
        assert value(samples, "stoplist_requests_total", operation="checkOptOuts", outcome="ok") == 4
        assert value(samples, "stoplist_request_duration_seconds_count", operation="checkOptOuts") == 4
        assert value(samples, "stoplist_requests_total", operation="optOut", outcome="ok") == 6
        assert value(samples, "stoplist_requests_total", operation="optOut", outcome="client_error") == 1
        assert value(samples, "stoplist_feed_subscribers") == 1
        assert value(samples, "stoplist_outbox_depth", outbox="webhook") >= 0
        pool = [value(samples, "stoplist_db_pool_connections", state=state) for state in ("idle", "in_use")]
        assert sum(pool) >= 1  # idle, or held at that instant by another task (the feed's poll)


async def test_one_process_serves_its_own_metrics_without_a_token_when_none_is_set(
    tenant: Tenant, server_url: str
) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31650000011", ["SMS", "WHATSAPP"], source="KEYWORD")

    status, samples = await scrape(server_url, token=None)

    assert status == 200
    assert value(samples, "stoplist_opt_outs_total", channel="WHATSAPP", source="KEYWORD") >= 1
    assert value(samples, "stoplist_requests_total", operation="createAccount", outcome="ok") >= 1
    assert any(name == "process_resident_memory_bytes" for name, _ in samples)


async def test_with_metrics_off_and_log_level_warning_the_server_answers_without_metrics_or_request_lines(
    tenant: Tenant, database_url: str, tmp_path: Path
) -> None:
    """How bench/overhead's unobserved server runs: it must still serve every request."""
    account = await tenant.create_account()
    env = {
        "DATABASE_URL": database_url,
        "STOPLIST_API_KEY_PEPPER": PEPPER,
        "STOPLIST_METRICS": "false",
        "STOPLIST_LOG_LEVEL": "WARNING",
    }
    with running_server(env, log=tmp_path / "server.log") as server:
        answered = await on_a_new_connection(server.url, CHECK, {"a": account}, tenant.reader_key)
        status, _ = await scrape(server.url, token=None)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            body = (await http.get("/metrics")).json()

    assert answered["data"]["checkOptOuts"] == [{"optedOut": False}]
    assert status == 404
    assert body["error"]["code"] == "NOT_FOUND" and "STOPLIST_METRICS=false" in body["error"]["message"]
    assert "request=" not in (tmp_path / "server.log").read_text()


def _workers(server_pid: int) -> set[int]:
    """uvicorn's worker processes of `stoplist serve` (spawned children, not its resource tracker)."""
    found = set()
    for task in Path(f"/proc/{server_pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            if b"spawn_main" in cmdline and b"resource_tracker" not in cmdline:
                found.add(int(child))
    return found


async def test_a_killed_workers_subscribers_are_no_longer_counted_once_it_is_replaced(
    tenant: Tenant, database_url: str
) -> None:
    env = {"DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER}
    with running_server(env, workers=2) as server:
        first = _workers(server.pid)
        async with subscribed(server.url, tenant.reader_key):
            await asyncio.sleep(0.5)
            _, before = await scrape(server.url, token=None)
            for pid in first:
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 60
            while len(_workers(server.pid) - first) < 2:  # uvicorn starts one in place of each
                assert time.monotonic() < deadline, "uvicorn did not replace the killed workers"
                await asyncio.sleep(0.2)
        status, after = await scrape(server.url, token=None)

    assert value(before, "stoplist_feed_subscribers") == 1
    assert status == 200
    assert value(after, "stoplist_feed_subscribers") == 0
