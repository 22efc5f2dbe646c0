"""Making sure every subscription is live before anything is measured.

graphql-transport-ws does not acknowledge a `subscribe`, and a subscription without `after`
only hears of events committed after it started. So we publish a primer event until every
subscriber has received one: from then on, every event published must reach every subscriber,
and a missing one is a lost event, not a subscription that was not there yet."""

import time
from collections.abc import Awaitable, Callable

from bench.feed.organizations import Organization
from bench.feed.records import Tokens, Write
from bench.feed.subscribers import Subscribers
from bench.feed.writers import Writers, opt_out_template
from tests.support.server import Server

ROUND_WAIT = 3.0  # seconds to wait for a primer before publishing another


async def prime(
    subscribers: Subscribers, publish: Callable[[list[int]], Awaitable[list[str]]], timeout: float = 60.0
) -> list[str]:
    """`publish(pending)` publishes primers that the subscribers `pending` (indexes) should get and
    returns their tokens. Ends with the subscribers reset and ignoring every primer from now on."""
    pending = list(range(subscribers.count))
    primers: list[str] = []
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} subscribers received no event in {timeout:.0f} s")
        primers += await publish(pending)
        counts = await subscribers.wait([1] * subscribers.count, ROUND_WAIT)
        pending = [index for index, received in enumerate(counts) if received == 0]
    await subscribers.reset(primers)
    return primers


async def prime_organizations(
    server: Server,
    organizations: list[Organization],
    org_of: list[int],
    subscribers: Subscribers,
    writers: Writers,
    tokens: Tokens,
) -> None:
    """Primes subscriber i, of organizations[org_of[i]], with optOuts made through `server`."""
    templates = [opt_out_template(server.host, server.port, o.admin_key, o.account_id) for o in organizations]

    async def publish(pending: list[int]) -> list[str]:
        orgs = sorted({org_of[index] for index in pending})
        writes = [Write(org, token, 0.0) for org, token in zip(orgs, tokens.take(len(orgs)), strict=True)]
        run = await writers.opt_outs(server.host, server.port, templates, writes, connections=4, most=16)
        if run.failed:
            raise RuntimeError(f"a primer optOut failed: {run.failed[0].error}")
        return [w.token for w in writes]

    await prime(subscribers, publish)
