"""The benchmark's two organizations (bench/feed/organizations.py makes them): one whose account
confirms every opt-out by SMS and has a webhook endpoint at the receiver, written to through
`POST /inbound/sms` with a writer key; and one with a plain account, neither confirmations nor
endpoints, for the baseline's bare optOut."""

from dataclasses import dataclass

from bench import http
from bench.feed.organizations import Organization, create_organizations

CONFIRM = """
mutation($id: ID!) { updateAccount(id: $id, sendConfirmation: true) { errors { code message } } }"""
CREATE_ENDPOINT = """
mutation($accountId: ID!, $url: String!) {
  createWebhookEndpoint(accountId: $accountId, url: $url) { endpoint { id } errors { code message } }
}"""


@dataclass(frozen=True)
class Accounts:
    inbound: Organization  # sendConfirmation on, one webhook endpoint
    inbound_writer_key: str
    plain: Organization  # no confirmation, no endpoint


async def _writer_key(database_url: str, pepper: str, organization: Organization) -> str:
    # Made as bench/feed/organizations.py makes its keys: with the app's own code, in-process.
    from app import ids
    from app.auth.service import ApiKeyService
    from app.db.engine import build_engine
    from app.db.unit_of_work import UnitsOfWork

    engine = build_engine(database_url, pool_size=1)
    try:
        async with UnitsOfWork(engine).write() as unit:
            created = await ApiKeyService(pepper).create(
                unit,
                organization_id=ids.decode("Organization", organization.public_id, field="organization"),
                role="writer",
            )
    finally:
        await engine.dispose()
    return created.key


async def _ok(host: str, port: int, key: str, query: str, variables: dict[str, str], name: str) -> None:
    payload = (await http.graphql(host, port, key, query, variables))[name]
    if payload["errors"]:
        raise RuntimeError(f"{name} failed: {payload['errors']}")


async def create_accounts(database_url: str, pepper: str, host: str, port: int, webhook_url: str) -> Accounts:
    inbound, plain = await create_organizations(database_url, pepper, host, port, 2)
    await _ok(host, port, inbound.admin_key, CONFIRM, {"id": inbound.account_id}, "updateAccount")
    variables = {"accountId": inbound.account_id, "url": webhook_url}
    await _ok(host, port, inbound.admin_key, CREATE_ENDPOINT, variables, "createWebhookEndpoint")
    return Accounts(inbound, await _writer_key(database_url, pepper, inbound), plain)
