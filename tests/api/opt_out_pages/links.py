"""Helpers of the link page tests: a link made through the API, and a client address of each test's
own (uvicorn takes X-Forwarded-For from loopback), so one test's look-ups never spend another's budget."""

import itertools
from typing import Any

from tests.api.sender_tools.queries import LINK
from tests.support.tenants import Tenant

_addresses = itertools.count(1)
HISTORY = """
query($a: ID!, $t: String!) { optOutHistory(accountId: $a, token: $t) {
  edges { node { channel action source reason evidence { linkCode ipAddress userAgent } } } } }"""
CHECK = (
    "query($a: ID!, $c: Channel!, $t: String!) { checkOptOuts(accountId: $a, channel: $c, tokens: [$t]) { optedOut } }"
)


def new_address() -> str:
    number = next(_addresses)
    return f"198.51.{number // 250}.{number % 250 + 1}"


async def make_link(tenant: Tenant, account: str, token: str, channel: str) -> dict[str, str]:
    variables = {"a": account, "token": token, "channel": channel}
    return dict((await tenant.api.graphql(LINK, variables, key=tenant.reader_key))["optOutLink"])


async def history(tenant: Tenant, account: str, token: str) -> list[dict[str, Any]]:
    data = await tenant.api.graphql(HISTORY, {"a": account, "t": token}, key=tenant.reader_key)
    return [edge["node"] for edge in data["optOutHistory"]["edges"]]


async def opted_out(tenant: Tenant, account: str, token: str, channel: str) -> bool:
    data = await tenant.api.graphql(CHECK, {"a": account, "c": channel, "t": token}, key=tenant.reader_key)
    return bool(data["checkOptOuts"][0]["optedOut"])
