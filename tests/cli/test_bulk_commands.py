"""The bulk commands both ways: against a running server with an API key (`--server`), and straight
on the database for an operator (`--org`); the same reports, the same refusals."""

import csv
import io
import json
import os
import stat
import threading
from pathlib import Path

import openpyxl
import pytest

from tests.cli.test_org_and_key import stoplist
from tests.support.client import ApiClient
from tests.support.tenants import Tenant

CONTACTS = """query($a: ID!) { contacts(accountId: $a) { totalCount edges { node { phoneNumber firstName } } } }"""
CHECK = """query($a: ID!) {
  checkOptOuts(accountId: $a, channel: SMS, tokens: ["+31611111111", "+31622222222"]) { optedOut } }"""
MODES = ["server", "database"]


def where(mode: str, tenant: Tenant, server_url: str, key: str) -> list[str]:
    return ["--server", server_url, "--key", key] if mode == "server" else ["--org", tenant.public_id]


@pytest.mark.parametrize("mode", MODES)
async def test_import_contacts_prints_the_report_and_a_dry_run_changes_nothing(
    mode: str, database_url: str, server_url: str, api: ApiClient, tenant: Tenant, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    file = tmp_path / "contacts.csv"
    file.write_bytes(b"phone,first_name\n0611111111,Ann\n+31622222222,Bob\nxyz,Nobody\n")
    target = where(mode, tenant, server_url, tenant.writer_key)

    dry = stoplist(database_url, "import", "contacts", str(file), "--account", account, "--dry-run", *target)
    real = stoplist(database_url, "import", "contacts", str(file), "--account", account, "--json", *target)

    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines() == [
        "2 imported, 0 updated, 0 skipped as opted out, 0 opt-outs reset, 0 duplicates, 1 invalid "
        "(dry run: nothing was changed)",
        '  line 4: "xyz" is not a phone number.',
    ]
    assert real.returncode == 0, real.stderr
    assert json.loads(real.stdout)["imported"] == 2
    found = (await api.graphql(CONTACTS, {"a": account}, key=tenant.reader_key))["contacts"]
    assert [edge["node"] for edge in found["edges"]] == [
        {"phoneNumber": "+31611111111", "firstName": "Ann"},
        {"phoneNumber": "+31622222222", "firstName": "Bob"},
    ]


@pytest.mark.parametrize("mode", MODES)
async def test_import_optouts_reaches_the_list(
    mode: str, database_url: str, server_url: str, api: ApiClient, tenant: Tenant, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    file = tmp_path / "optouts.txt"
    file.write_bytes(b"+31611111111\n0622222222\n")
    target = where(mode, tenant, server_url, tenant.writer_key)

    result = stoplist(database_url, "import", "optouts", str(file), "--account", account, "--channel", "SMS", *target)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 opted out, 0 already opted out, 0 invalid"
    data = await api.graphql(CHECK, {"a": account}, key=tenant.reader_key)
    assert [status["optedOut"] for status in data["checkOptOuts"]] == [True, True]


@pytest.mark.parametrize("mode", MODES)
async def test_scrub_writes_the_file_without_its_opted_out_rows(
    mode: str, database_url: str, server_url: str, tenant: Tenant, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    await tenant.opt_out(account, "+31622222222", ["SMS"])
    file = tmp_path / "campaign.csv"
    file.write_bytes(b"name,mobile\nAnn,+31611111111\nBob,0622222222\nCarl,\n")
    output = tmp_path / "clean.csv"
    target = where(mode, tenant, server_url, tenant.reader_key)

    result = stoplist(
        database_url, "scrub", str(file), "--account", account, "--channel", "SMS", "-o", str(output), *target
    )
    to_stdout = stoplist(
        database_url, "scrub", str(file), "--account", account, "--channel", "SMS", "--mode", "flag", *target
    )

    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(output.read_text()))) == [
        ["name", "mobile"],
        ["Ann", "+31611111111"],
        ["Carl", ""],
    ]
    assert result.stderr.strip() == "1 kept, 1 suppressed, 1 without a token to check"
    assert [row[-1] for row in csv.reader(io.StringIO(to_stdout.stdout))] == ["opted_out", "false", "true", "invalid"]


@pytest.mark.parametrize("mode", MODES)
async def test_refusals_are_told_and_leave_no_file(
    mode: str, database_url: str, server_url: str, tenant: Tenant, other_tenant: Tenant, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    file = tmp_path / "campaign.csv"
    file.write_bytes(b"name,voucher\nAnn,A-1\n")
    output = tmp_path / "clean.csv"
    foreign = where(mode, other_tenant, server_url, other_tenant.writer_key)

    no_column = stoplist(
        database_url, "scrub", str(file), "--account", account, "--channel", "SMS", "-o", str(output),
        *where(mode, tenant, server_url, tenant.reader_key),
    )  # fmt: skip
    other_org = stoplist(database_url, "import", "contacts", str(file), "--account", account, *foreign)

    assert no_column.returncode == other_org.returncode == 2
    assert "none holds phone numbers" in no_column.stderr
    assert "does not exist" in other_org.stderr
    assert not output.exists() and list(tmp_path.iterdir()) == [file]


async def test_server_mode_needs_a_key_and_a_reachable_server(database_url: str, tmp_path: Path) -> None:
    file = tmp_path / "optouts.txt"
    file.write_bytes(b"+31611111111\n")
    common = ["import", "optouts", str(file), "--account", "acc_x", "--channel", "SMS", "--server"]

    no_key = stoplist(database_url, *common, "http://127.0.0.1:9")
    unreachable = stoplist(database_url, *common, "http://127.0.0.1:9", "--key", "sl_nothing")

    assert no_key.returncode == unreachable.returncode == 2
    assert "--server needs an API key" in no_key.stderr
    assert "http://127.0.0.1:9 could not be reached" in unreachable.stderr


@pytest.mark.parametrize("mode", MODES)
async def test_export_writes_the_routes_file_to_stdout_or_whole_to_output(
    mode: str, database_url: str, server_url: str, api: ApiClient, tenant: Tenant, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    group = await tenant.create_group(account)
    await tenant.create_contact(account, phone="+31611111111", groups=[group])
    await tenant.create_contact(account, phone="+31622222222", groups=[group])
    await tenant.opt_out(account, "+31622222222", ["SMS"], reason="=cmd")
    target = where(mode, tenant, server_url, tenant.reader_key)
    output = tmp_path / "audience.xlsx"

    optouts = stoplist(database_url, "export", "optouts", "--account", account, *target)
    history = stoplist(
        database_url, "export", "history", "--account", account, "--since", "2000-01-01", "--format", "ndjson", *target
    )
    audience = stoplist(
        database_url, "export", "audience", "--account", account, "--group", group, "--channel", "SMS",
        "--format", "xlsx", "-o", str(output), *target,
    )  # fmt: skip
    missing_channel = stoplist(database_url, "export", "audience", "--account", account, "--group", group, *target)

    assert optouts.returncode == 0, optouts.stderr
    rows = list(csv.reader(io.StringIO(optouts.stdout)))
    assert [row[:3] + row[4:] for row in rows] == [
        ["token", "tokenType", "channel", "reason"],
        ["+31622222222", "MSISDN", "SMS", "'=cmd"],
    ]
    assert [(event["token"], event["action"]) for event in map(json.loads, history.stdout.splitlines())] == [
        ("+31622222222", "OPT_OUT")
    ]
    assert audience.returncode == 0, audience.stderr
    sheet = openpyxl.load_workbook(output).worksheets[0]
    assert [[cell.value for cell in row][1:] for row in sheet.iter_rows()] == [
        ["token", "viaBypassGroup"],
        ["+31611111111", False],
    ]
    assert missing_channel.returncode == 2
    assert 'channel is ""' in missing_channel.stderr


async def test_an_output_that_is_no_regular_file_is_written_not_replaced(
    database_url: str, tenant: Tenant, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def drain() -> None:
        with open(fifo, "rb") as pipe:
            received.append(pipe.read())

    reader = threading.Thread(target=drain)
    reader.start()
    result = stoplist(
        database_url, "export", "optouts", "--account", account, "--org", tenant.public_id, "-o", str(fifo)
    )
    reader.join(timeout=30)

    assert result.returncode == 0, result.stderr
    assert received == [b"token,tokenType,channel,since,reason\r\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # still the pipe, not a file put in its place
