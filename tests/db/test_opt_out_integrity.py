"""The database itself refuses opt-out rows that cross organizations, whatever the code above
it does: a state needs a list of its organization, an event an account and an API key of its
organization; and it keeps their parents while they have opt-out history (migration 0010 checks
each statement's rows at once, where foreign keys checked them one by one)."""

from uuid import UUID

import asyncpg
import pytest

from app import ids
from tests.support.tenants import Tenant

STATE = """
INSERT INTO opt_out_states (organization_id, list_id, channel, token, token_type, opted_out, since)
VALUES ($1, $2, 'SMS', '+31612345678', 'MSISDN', true, now())
"""
EVENT = """
INSERT INTO opt_out_events (organization_id, list_id, account_id, scope, token, token_type, channel, action, source,
                            api_key_id)
VALUES ($1, $2, $3, 'ORGANIZATION', '+31612345678', 'MSISDN', 'SMS', 'OPT_OUT', 'API', $4)
"""


async def test_a_state_or_an_event_of_another_organizations_list_or_account_is_refused(
    tenant: Tenant, other_tenant: Tenant
) -> None:
    own = ids.decode("Account", await tenant.create_account(), field="account")
    foreign = ids.decode("Account", await other_tenant.create_account(), field="account")
    async with tenant.units.read() as unit:
        lists = dict(await unit.connection.fetch("SELECT id, list_id FROM accounts WHERE id = ANY($1)", [own, foreign]))

    for organization, list_id, account in (
        (tenant.organization_id, lists[foreign], own),  # the list of another organization
        (tenant.organization_id, lists[own], foreign),  # an account of another organization
    ):
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            async with tenant.units.write() as unit:
                await unit.connection.execute(STATE, organization, list_id)
                await unit.connection.execute(EVENT, organization, list_id, account, None)

    async with tenant.units.write() as unit:  # the same rows, each of its own organization, are taken
        await unit.connection.execute(STATE, tenant.organization_id, lists[own])
        await unit.connection.execute(EVENT, tenant.organization_id, lists[own], own, None)


async def key_ids(tenant: Tenant) -> list[UUID]:
    async with tenant.units.read() as unit:
        rows = await unit.connection.fetch("SELECT id FROM api_keys WHERE organization_id = $1", tenant.organization_id)
    return [row["id"] for row in rows]


async def test_an_event_of_another_organizations_api_key_is_refused(tenant: Tenant, other_tenant: Tenant) -> None:
    account = ids.decode("Account", await tenant.create_account(), field="account")
    [own_key, *_], [foreign_key, *_] = await key_ids(tenant), await key_ids(other_tenant)
    async with tenant.units.read() as unit:
        list_id = await unit.connection.fetchval("SELECT list_id FROM accounts WHERE id = $1", account)

    with pytest.raises(asyncpg.ForeignKeyViolationError, match="is no key of organization"):
        async with tenant.units.write() as unit:
            await unit.connection.execute(EVENT, tenant.organization_id, list_id, account, foreign_key)
    async with tenant.units.write() as unit:
        await unit.connection.execute(EVENT, tenant.organization_id, list_id, account, own_key)


async def test_the_parents_of_opt_out_history_are_kept(tenant: Tenant, other_tenant: Tenant) -> None:
    account_id = await tenant.create_account()
    await tenant.opt_out(account_id, "+31612345670", ["SMS"])
    account = ids.decode("Account", account_id, field="account")
    async with tenant.units.read() as unit:
        list_id = await unit.connection.fetchval("SELECT list_id FROM accounts WHERE id = $1", account)
        key_id = await unit.connection.fetchval("SELECT api_key_id FROM opt_out_events WHERE account_id = $1", account)
    attempts = [
        ("DELETE FROM opt_out_lists WHERE id = $1", list_id),
        ("DELETE FROM accounts WHERE id = $1", account),
        ("DELETE FROM api_keys WHERE id = $1", key_id),
        ("UPDATE accounts SET organization_id = $2 WHERE id = $1", account, other_tenant.organization_id),
        ("UPDATE opt_out_events SET account_id = gen_random_uuid() WHERE account_id = $1", account),
        ("UPDATE opt_out_states SET organization_id = $2 WHERE list_id = $1", list_id, other_tenant.organization_id),
    ]

    for statement, *arguments in attempts:
        with pytest.raises(asyncpg.ForeignKeyViolationError):
            async with tenant.units.write() as unit:
                await unit.connection.execute(statement, *arguments)

    async with tenant.units.read() as unit:
        kept = await unit.connection.fetchval(
            "SELECT count(*) FROM opt_out_events e JOIN accounts a ON a.id = e.account_id"
            " JOIN api_keys k ON k.id = e.api_key_id WHERE e.account_id = $1",
            account,
        )
    assert kept == 1
