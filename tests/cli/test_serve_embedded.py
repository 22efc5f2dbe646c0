"""With no configuration at all, `stoplist serve` runs on the embedded PostgreSQL in the data
folder, and a restart keeps the data."""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from tests.support.server import running_server


def graphql(url: str, key: str, query: str) -> dict[str, object]:
    response = httpx.post(
        f"{url}/graphql", json={"query": query}, headers={"authorization": f"Bearer {key}"}, timeout=30
    )
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


def test_serve_without_configuration_keeps_data_across_restarts() -> None:
    with tempfile.TemporaryDirectory(prefix="stoplist-serve-") as folder:
        os.chmod(folder, 0o755)
        env: dict[str, str | None] = {
            "DATABASE_URL": None,
            "STOPLIST_API_KEY_PEPPER": None,
            "STOPLIST_DATA_DIR": str(Path(folder) / "data"),
        }
        created = subprocess.run(
            [sys.executable, "-m", "app.cli", "org", "create", "Embedded", "--json"],
            env={k: v for k, v in {**os.environ, **env}.items() if v is not None},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        key = json.loads(created.stdout)["apiKey"]

        pgdata = Path(folder) / "data" / "pgdata"
        with running_server(env) as server:
            assert graphql(server.url, key, "{ organization { name } }") == {"organization": {"name": "Embedded"}}
            graphql(server.url, key, 'mutation { createAccount(name: "Kept") { account { id } } }')
        # Stopped (SIGTERM) with its PostgreSQL: a running postmaster keeps this file.
        assert not (pgdata / "postmaster.pid").exists()
        with running_server({**env, "XDG_RUNTIME_DIR": None}) as server:
            accounts = graphql(server.url, key, "{ organization { accounts { name } } }")
            start = server.log.read_text()
        assert not (pgdata / "postmaster.pid").exists()

        assert accounts == {"organization": {"accounts": [{"name": "Kept"}]}}
        # A normal start says where the data is and where it serves, without the database's chatter.
        assert "XDG_RUNTIME_DIR" not in start and "Warning" not in start
        assert [line.split(" INFO ")[1].split(":")[0] for line in start.splitlines() if " INFO " in line][:3] == [
            "app.db.embedded",
            "stoplist",
            "uvicorn.error",
        ]
        assert (Path(folder) / "data" / "pgdata" / "PG_VERSION").exists()
