"""`stoplist import optouts FILE`: the upload from the command line, straight into the database,
with a progress line on a terminal and none when its output goes elsewhere."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.cli.test_org_and_key import stoplist
from tests.conftest import PEPPER
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

CHECK = """query($a: ID!) {
  checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31611111111", "+31622222222"]) { optedOut } }"""


async def test_a_file_goes_into_the_accounts_list_and_the_report_is_printed(
    database_url: str, api: ApiClient, tenant: Tenant, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    file = tmp_path / "optouts.txt"
    file.write_bytes(b"+31611111111\n0622222222\nnonsense\n")

    result = stoplist(
        database_url, "import", "optouts", str(file), "--org", tenant.public_id, "--account", account,
        "--channel", "SMS", "--reason", "Complaint list", "--json",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["optedOut"], report["invalidCount"]) == (2, 1)
    assert report["invalid"][0]["line"] == 3
    assert result.stderr == ""  # not a terminal: no progress line
    data = await api.graphql(CHECK, {"a": account}, key=tenant.reader_key)
    assert [status["optedOut"] for status in data["checkOptOuts"]] == [True, True]


async def test_an_account_of_another_organization_is_refused(
    database_url: str, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    file = tmp_path / "optouts.txt"
    file.write_bytes(b"+31611111111\n")

    result = stoplist(
        database_url, "import", "optouts", str(file), "--org", other_tenant.public_id, "--account", account,
        "--channel", "SMS",
    )  # fmt: skip

    assert result.returncode == 2
    assert "does not exist" in result.stderr


async def test_on_a_terminal_it_shows_rows_rate_and_time_left(
    database_url: str, tenant: Tenant, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    file = tmp_path / "optouts.txt"
    file.write_bytes(b"".join(b"+3161%07d\n" % number for number in range(20_000)))
    controller, terminal = pty.openpty()

    process = subprocess.run(
        [sys.executable, "-m", "app.cli", "import", "optouts", str(file), "--org", tenant.public_id,
         "--account", account, "--channel", "SMS"],
        env={**os.environ, "DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER},
        stdout=subprocess.PIPE, stderr=terminal, timeout=120,
    )  # fmt: skip
    os.close(terminal)
    shown = os.read(controller, 65_536).decode()
    os.close(controller)

    assert process.returncode == 0
    assert "20,000 rows" in shown and "rows/s" in shown and "100%" in shown
    assert b"20,000 opted out" in process.stdout
