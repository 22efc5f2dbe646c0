import json
import os
import subprocess
import sys

from app.db.unit_of_work import UnitsOfWork
from tests.conftest import PEPPER
from tests.support.client import ApiClient


def stoplist(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        env={**os.environ, "DATABASE_URL": database_url, "STOPLIST_API_KEY_PEPPER": PEPPER},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_org_create_prints_the_organization_and_a_working_admin_key(database_url: str, api: ApiClient) -> None:
    result = stoplist(database_url, "org", "create", "Acme Mobile", "--json")

    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["organization"]["name"] == "Acme Mobile"
    assert created["organization"]["id"].startswith("org_")
    data = await api.graphql("{ organization { id name } }", key=created["apiKey"])
    assert data["organization"] == created["organization"]
    account = await api.graphql('mutation { createAccount(name: "Main") { errors { code } } }', key=created["apiKey"])
    assert account["createAccount"]["errors"] == []


async def test_key_create_for_an_account_with_a_role(database_url: str, api: ApiClient) -> None:
    admin_key = json.loads(stoplist(database_url, "org", "create", "Acme", "--json").stdout)["apiKey"]
    org_id = (await api.graphql("{ organization { id } }", key=admin_key))["organization"]["id"]
    account = (await api.graphql('mutation { createAccount(name: "A") { account { id } } }', key=admin_key))[
        "createAccount"
    ]["account"]["id"]
    await api.graphql('mutation { createAccount(name: "B") { account { id } } }', key=admin_key)

    result = stoplist(
        database_url, "key", "create", "--org", org_id, "--account", account, "--role", "reader", "--json"
    )

    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["id"].startswith("key_")
    assert {k: v for k, v in created.items() if k not in ("apiKey", "id")} == {
        "role": "reader",
        "organizationId": org_id,
        "accountId": account,
    }
    visible = await api.graphql("{ organization { accounts { id } } }", key=created["apiKey"])
    assert visible["organization"]["accounts"] == [{"id": account}]
    refused = await api.graphql('mutation { createAccount(name: "C") { errors { code } } }', key=created["apiKey"])
    assert refused["createAccount"]["errors"] == [{"code": "FORBIDDEN"}]


async def test_only_a_hash_of_the_key_is_stored(database_url: str, units: UnitsOfWork) -> None:
    key = json.loads(stoplist(database_url, "org", "create", "Hashed", "--json").stdout)["apiKey"]

    async with units.read() as unit:
        rows = [row[0] for row in await unit.connection.fetch("SELECT api_keys::text FROM api_keys")]

    assert rows and not any(key in row or key[3:] in row for row in rows)


def test_key_create_for_an_unknown_organization_names_it(database_url: str) -> None:
    missing = "org_" + "0" * 32

    result = stoplist(database_url, "key", "create", "--org", missing, "--role", "writer")

    assert result.returncode == 2
    assert result.stderr.strip().endswith(f'error: Organization "{missing}" does not exist.')


def test_key_create_with_a_malformed_id_names_it(database_url: str) -> None:
    result = stoplist(database_url, "key", "create", "--org", "acme", "--role", "writer")

    assert (result.returncode, result.stderr.strip().splitlines()[-1]) == (
        2,
        'error: "acme" is not a valid Organization id.',
    )


def created_org(database_url: str) -> tuple[str, str]:
    """A new organization's id and admin key, from the command line."""
    created = json.loads(stoplist(database_url, "org", "create", "Keys", "--json").stdout)
    return created["organization"]["id"], created["apiKey"]


async def test_key_list_shows_each_key_without_its_secret(database_url: str, api: ApiClient) -> None:
    org_id, admin_key = created_org(database_url)
    account = (await api.graphql('mutation { createAccount(name: "A") { account { id } } }', key=admin_key))[
        "createAccount"
    ]["account"]["id"]
    reader = json.loads(
        stoplist(
            database_url, "key", "create", "--org", org_id, "--account", account, "--role", "reader", "--json"
        ).stdout
    )
    await api.graphql("{ organization { id } }", key=reader["apiKey"])

    table = stoplist(database_url, "key", "list", "--org", org_id)
    as_json = [
        json.loads(line)
        for line in stoplist(database_url, "key", "list", "--org", org_id, "--json").stdout.splitlines()
    ]
    of_account = stoplist(database_url, "key", "list", "--org", org_id, "--account", account, "--json")

    assert table.returncode == 0, table.stderr
    header, *rows = table.stdout.splitlines()
    assert header.split() == ["id", "role", "scope", "prefix", "created", "lastUsed", "state"]
    assert len(rows) == 2 and all(row.split()[-1] == "active" for row in rows)
    assert admin_key not in table.stdout and reader["apiKey"] not in table.stdout
    assert [(key["role"], key["scope"], key["prefix"]) for key in as_json] == [
        ("admin", "organization", admin_key[:10]),
        ("reader", account, reader["apiKey"][:10]),
    ]
    assert [json.loads(line)["id"] for line in of_account.stdout.splitlines()] == [reader["id"]]


async def test_key_revoke_and_rotate(database_url: str, api: ApiClient) -> None:
    org_id, admin_key = created_org(database_url)
    first = json.loads(stoplist(database_url, "key", "create", "--org", org_id, "--role", "writer", "--json").stdout)
    second = json.loads(stoplist(database_url, "key", "create", "--org", org_id, "--role", "writer", "--json").stdout)

    revoked = stoplist(database_url, "key", "revoke", first["id"])
    rotated = stoplist(database_url, "key", "rotate", second["id"], "--grace", "90m", "--json")
    rotated_again = stoplist(database_url, "key", "rotate", first["id"])

    assert revoked.returncode == 0, revoked.stderr
    assert revoked.stdout.startswith(f"API key {first['id']} ({first['apiKey'][:10]}...) revoked at ")
    assert (await api.post("{ organization { id } }", None, first["apiKey"])).status_code == 401
    assert rotated.returncode == 0, rotated.stderr
    new = json.loads(rotated.stdout)
    assert new["replaces"] == second["id"] and new["id"] != second["id"]
    for key in (new["apiKey"], second["apiKey"]):  # the old one, for 90 minutes yet
        assert (await api.post("{ organization { id } }", None, key)).status_code == 200
    states = {
        json.loads(line)["id"]: json.loads(line)["state"]
        for line in stoplist(database_url, "key", "list", "--org", org_id, "--json").stdout.splitlines()
    }
    assert states[second["id"]] == f"expires {new['oldExpiresAt']}"
    assert states[first["id"]].startswith("revoked ")
    assert (rotated_again.returncode, rotated_again.stderr.strip().splitlines()[-1]) == (
        2,
        f'error: API key "{first["id"]}" is revoked: create a new one instead.',
    )


def test_key_commands_name_what_is_wrong(database_url: str) -> None:
    org_id, _ = created_org(database_url)
    key_id = json.loads(stoplist(database_url, "key", "create", "--org", org_id, "--role", "reader", "--json").stdout)[
        "id"
    ]
    missing = "key_" + "0" * 32

    unknown = stoplist(database_url, "key", "revoke", missing)
    bad_grace = stoplist(database_url, "key", "rotate", key_id, "--grace", "forever")
    too_long = stoplist(database_url, "key", "rotate", key_id, "--grace", "91d")

    assert (unknown.returncode, unknown.stderr.strip().splitlines()[-1]) == (
        2,
        f'error: API key "{missing}" does not exist.',
    )
    assert bad_grace.stderr.strip().splitlines()[-1] == (
        'error: --grace is "forever"; give 0, or a number and s, m, h or d, at most 90d.'
    )
    assert too_long.returncode == 2
