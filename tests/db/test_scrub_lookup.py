"""A scrub's lookup of opted-out tokens probes the list while the file is small beside it, and
reads the list whole once the file has held as many rows as the list has opt-outs."""

from app import ids
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.bulk.opted_out import FIRST_COUNT_AT, OptedOutLookup
from app.enums import Channel, Role
from tests.support.tenants import Tenant

STATES = """
INSERT INTO opt_out_states (organization_id, list_id, channel, token, token_type, opted_out, since)
SELECT $1, $2, 'SMS', '+3162' || lpad(n::text, 7, '0'), 'MSISDN', n % 3 <> 0, now()
FROM generate_series(1, $3) AS n
"""


def numbers(start: int, count: int) -> list[str]:
    return [f"+3162{n:07d}" for n in range(start, start + count)]


async def test_the_list_is_read_whole_only_once_the_file_outnumbers_it(tenant: Tenant) -> None:
    account_id = ids.decode("Account", await tenant.create_account(), field="account")
    actor = Actor(organization_id=tenant.organization_id, role=Role.READER)
    # 9,000 states, two in three opted out: 6,000, more than the first count's 5,000 rows.
    async with tenant.units.write() as unit:
        account = await account_service.settings(unit, actor, account_id)
        await unit.connection.execute(STATES, tenant.organization_id, account.list_id, 9_000)

    async with tenant.units.read() as unit:
        lookup = OptedOutLookup(unit, actor, account, Channel.SMS)
        seen: list[tuple[bool, list[str]]] = []
        for start in range(1, 12_002, FIRST_COUNT_AT):  # 5,000 rows at a time: 5,000, 10,000, 15,000
            batch = numbers(start, FIRST_COUNT_AT)
            found = await lookup.among(batch)
            seen.append((lookup.read_whole, [token for token in batch if token in found]))

    def opted_out(token: str) -> bool:
        return int(token[-7:]) <= 9_000 and int(token[-7:]) % 3 != 0

    expected = [[token for token in numbers(start, FIRST_COUNT_AT) if opted_out(token)] for start in (1, 5_001, 10_001)]
    assert seen == [(False, expected[0]), (True, expected[1]), (True, expected[2])]
