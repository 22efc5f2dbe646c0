"""docker-compose.yml as Compose reads it (no Docker engine here to run it): the Stoplist
service's healthcheck, and a key pepper Compose insists on instead of a default."""

import re
import subprocess
import sys
from typing import Any

import pytest

from tests.deploy.test_image_steps import REPO, dockerignore, is_ignored

# PyYAML comes with uvicorn[standard], a dependency; not one of ours to add for this test.
yaml = pytest.importorskip("yaml")


def stoplist_service() -> dict[str, Any]:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    service: dict[str, Any] = compose["services"]["stoplist"]
    return service


def test_the_healthcheck_asks_readyz_with_the_images_python() -> None:
    service = stoplist_service()
    test = service["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python", "-c"], test  # the slim image has no curl
    assert "http://127.0.0.1:8000/readyz" in test[3]
    assert "8000" in service["command"] and service["ports"] == ["8000:8000"]
    # The check's code runs: it fails (exit 1) when nothing answers, as an unhealthy container's would.
    nobody_there = test[3].replace("127.0.0.1:8000", "127.0.0.1:9")
    done = subprocess.run([sys.executable, "-c", nobody_there], capture_output=True, timeout=30)
    assert done.returncode == 1, done.stderr


def test_the_pepper_must_be_given_it_has_no_default() -> None:
    pepper = stoplist_service()["environment"]["STOPLIST_API_KEY_PEPPER"]
    assert re.fullmatch(r"\$\{STOPLIST_API_KEY_PEPPER:\?[^}]+\}", pepper), pepper


def test_the_build_context_leaves_out_local_state() -> None:
    rules = dockerignore((REPO / ".dockerignore").read_text())
    for path in [
        ".venv/bin/python",
        ".git/HEAD",
        ".env",
        ".stoplist/pgdata/PG_VERSION",
        "bench/.data/contacts.csv",
        ".hypothesis/examples/x",
        "tests/.hypothesis/examples/x",
        "app/__pycache__/cli.cpython-311.pyc",
        "app/http/graphiql/__pycache__/page.cpython-311.pyc",
        "stoplist.egg-info/SOURCES.txt",
        "build/lib/app/cli.py",
    ]:
        assert is_ignored(path, rules), path
    for path in ["pyproject.toml", "README.md", "alembic.ini", "app/cli.py", "migrations/script.py.mako"]:
        assert not is_ignored(path, rules), path
        assert (REPO / path).exists(), path
    assert not is_ignored("app/http/graphiql/static/graphiql-4.1.2/graphiql.min.js", rules)


def test_negated_patterns_take_back_an_exclusion() -> None:
    rules = dockerignore("docs\n!docs/keep.md\n*.md\n!README.md\n")
    assert is_ignored("docs/other.md", rules)
    assert not is_ignored("docs/keep.md", rules)  # `*.md` matches at the root only
    assert is_ignored("CHANGES.md", rules) and not is_ignored("README.md", rules)
    assert not is_ignored("app/notes.md", rules)
