"""The benchmark's three organizations (bench/feed/organizations.py makes them, each with one
account whose default country is NL): the API's prepareMessages account and the baseline's, each
with the one instruction "STOP naar 3010" for NL, so that German numbers get a link; and one for
the one-click links and the baseline's optOut, written to with a writer key."""

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from app import ids
from bench.feed.organizations import Organization, create_organizations
from bench.inbound.accounts import _ok, _writer_key
from bench.sender.requests import INSTRUCTION

SET_INSTRUCTION = """
mutation($a: ID!, $text: String!) {
  setOptOutInstruction(accountId: $a, country: "NL", text: $text) { errors { code message } }
}"""


@dataclass(frozen=True)
class Tenant:
    public: Organization
    organization_id: UUID
    account_id: UUID
    list_id: UUID  # the list its opt-outs go to


@dataclass(frozen=True)
class Accounts:
    prepared: Tenant  # prepareMessages through the API
    baseline: Tenant  # the plain-Python baseline's links
    links: Tenant  # one-click POSTs and the baseline's optOuts
    writer_key: str  # of `links`


async def _tenant(database_url: str, organization: Organization) -> Tenant:
    account_id = ids.decode("Account", organization.account_id, field="account")
    connection = await asyncpg.connect(database_url)
    try:
        list_id = await connection.fetchval("SELECT list_id FROM accounts WHERE id = $1", account_id)
    finally:
        await connection.close()
    organization_id = ids.decode("Organization", organization.public_id, field="organization")
    return Tenant(organization, organization_id, account_id, list_id)


async def create_accounts(database_url: str, pepper: str, host: str, port: int) -> Accounts:
    made = await create_organizations(database_url, pepper, host, port, 3)
    for organization in made[:2]:
        variables = {"a": organization.account_id, "text": INSTRUCTION}
        await _ok(host, port, organization.admin_key, SET_INSTRUCTION, variables, "setOptOutInstruction")
    prepared, baseline, links = [await _tenant(database_url, organization) for organization in made]
    return Accounts(prepared, baseline, links, await _writer_key(database_url, pepper, made[2]))
