"""examples/subscribe.py as an integrator runs it: it says when it is connected, handles each
event and keeps its cursor in the state folder, and stops with a clear word when its key is
refused, or revoked while it runs, instead of retrying for ever."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import IO

from tests.support.client import ApiClient
from tests.support.tenants import Tenant

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "subscribe.py"
REVOKE = "mutation($id: ID!) { revokeApiKey(id: $id) { errors { code } } }"


def start(server_url: str, key: str, state: Path) -> "subprocess.Popen[str]":
    url = server_url.replace("http://", "ws://") + "/graphql"
    return subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--url", url, "--key", key],
        env={**os.environ, "XDG_STATE_HOME": str(state)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def line_of(stream: IO[str] | None, wanted: str) -> str:
    assert stream is not None
    async with asyncio.timeout(15):
        while True:
            line = await asyncio.to_thread(stream.readline)
            assert line, f"the example ended before saying {wanted!r}"
            if wanted in line:
                return line


def test_a_refused_key_ends_it_with_a_clear_word(server_url: str, tmp_path: Path) -> None:
    example = start(server_url, "sl_not-a-key", tmp_path)
    _, errors = example.communicate(timeout=30)

    assert example.returncode == 2
    assert errors.strip().splitlines()[-1] == "error: the server refused the API key (--key or STOPLIST_API_KEY)"


async def test_it_follows_the_feed_keeps_its_cursor_and_stops_when_its_key_is_revoked(
    tenant: Tenant, api: ApiClient, server_url: str, tmp_path: Path
) -> None:
    account = await tenant.create_account()
    key = await tenant.key("reader")
    key_id = next(
        k["id"]
        for k in (await api.graphql("{ apiKeys { id prefix } }", key=tenant.admin_key))["apiKeys"]
        if key.startswith(k["prefix"])
    )
    example = start(server_url, key, tmp_path)
    try:
        connected = await line_of(example.stderr, "connected to ")
        [event] = await tenant.opt_out(account, "+31670000001", ["SMS"])
        handled = await line_of(example.stdout, "+31670000001")
        await asyncio.sleep(0.2)
        cursor = (tmp_path / "stoplist" / "subscribe.cursor").read_text()
        await api.graphql(REVOKE, {"id": key_id}, key=tenant.admin_key)
        _, errors = await asyncio.to_thread(example.communicate, timeout=30)
    finally:
        if example.poll() is None:
            example.kill()

    assert "following from now" in connected
    assert "stop SMS" in handled
    assert cursor == event["cursor"]
    assert example.returncode == 2
    assert errors.strip().splitlines()[-1] == (
        "error: the server closed the connection: the API key was revoked or has expired"
    )
