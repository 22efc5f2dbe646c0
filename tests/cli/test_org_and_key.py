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
