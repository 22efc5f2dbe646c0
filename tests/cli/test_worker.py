"""`stoplist worker` runs the background work on its own, and stops cleanly."""

import asyncio
import os
import signal
import subprocess
import sys
import time

from app.db.unit_of_work import UnitsOfWork
from tests.conftest import PEPPER
from tests.support.tenants import Tenant


async def test_the_worker_purges_expired_idempotency_keys_and_stops_on_sigterm(
    database_url: str, tenant: Tenant, units: UnitsOfWork
) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31612345678", ["SMS"], idempotencyKey="expired")
    async with units.write() as unit:
        await unit.connection.execute(
            "UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE organization_id = $1",
            tenant.organization_id,
        )
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        env={**os.environ, "DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        remaining = 1
        while remaining and time.monotonic() < deadline:
            async with units.read() as unit:
                remaining = await unit.connection.fetchval(
                    "SELECT count(*) FROM idempotency_keys WHERE organization_id = $1", tenant.organization_id
                )
            await asyncio.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        worker.kill()

    assert remaining == 0
    assert worker.returncode == 0, output
    assert "background work stopped" in output


def test_the_worker_needs_a_database_url() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}

    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "worker"], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 2
    assert "stoplist worker needs DATABASE_URL" in result.stderr
