"""The database itself refuses opt-out rows that cross organizations, whatever the code above
it does: a state needs a list of its organization, an event an account of its organization
(migration 0008 checks each row once for what two or three checks held before)."""

import asyncpg
import pytest

from app import ids
from tests.support.tenants import Tenant

STATE = """
INSERT INTO opt_out_states (organization_id, list_id, channel, token, token_type, opted_out, since)
VALUES ($1, $2, 'SMS', '+31612345678', 'MSISDN', true, now())
"""
EVENT = """
INSERT INTO opt_out_events (organization_id, list_id, account_id, scope, token, token_type, channel, action, source)
VALUES ($1, $2, $3, 'ORGANIZATION', '+31612345678', 'MSISDN', 'SMS', 'OPT_OUT', 'API')
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
                await unit.connection.execute(EVENT, organization, list_id, account)

    async with tenant.units.write() as unit:  # the same rows, each of its own organization, are taken
        await unit.connection.execute(STATE, tenant.organization_id, lists[own])
        await unit.connection.execute(EVENT, tenant.organization_id, lists[own], own)
