"""The benchmark tenant and its address book.

The organization and its admin key are made in-process (as `stoplist org create` does), the
account and groups through the API, and the bulk of the data with COPY. The generator is seeded
and keeps what it made, so every answer the API gives can also be checked against what we know."""

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from bench import http

CHANNEL = "SMS"
OPTED_OUT_SHARE = 0.10
EMAIL_SHARE = 0.5
SECOND_GROUP_SHARE = 0.05
REASONS = ("STOP", None, "Replied STOP to a campaign")

CREATE_ACCOUNT = """
mutation($name: String!) {
  createAccount(name: $name, defaultCountry: "NL") { account { id } errors { code message } }
}"""
CREATE_GROUP = """
mutation($accountId: ID!, $name: String!) {
  createGroup(accountId: $accountId, name: $name) { group { id } errors { code message } }
}"""


@dataclass(frozen=True)
class Tenant:
    organization_id: UUID
    account_id: UUID
    account_public_id: str
    list_id: UUID
    group_ids: list[UUID]
    group_public_ids: list[str]
    admin_key: str
    admin_key_id: UUID


@dataclass
class Dataset:
    """What was loaded, by contact index."""

    contact_ids: list[UUID]
    msisdns: list[str]
    emails: list[str | None]
    groups: list[tuple[int, ...]]  # group indexes of each contact: one, or two for ~5%
    opted_out: set[str]
    spare_msisdns: list[str]  # valid NL mobile numbers in no contact and no list: fresh tokens to write
    timings: dict[str, float] = field(default_factory=dict)

    def members(self, group_indexes: set[int]) -> list[int]:
        return [i for i, groups in enumerate(self.groups) if not group_indexes.isdisjoint(groups)]


def _uuid_from_hex(value: str, prefix: str) -> UUID:
    assert value.startswith(prefix + "_"), value
    return UUID(hex=value.split("_", 1)[1])


async def create_tenant(database_url: str, pepper: str, host: str, port: int, group_count: int) -> Tenant:
    # The app's own code makes the organization: the server must hash the key exactly alike.
    from app.auth.service import ApiKeyService
    from app.db.engine import build_engine
    from app.db.unit_of_work import UnitsOfWork
    from app.organizations.service import organization_service

    engine = build_engine(database_url, pool_size=1)
    try:
        async with UnitsOfWork(engine).write() as unit:
            created = await organization_service.create(unit, ApiKeyService(pepper), name="Benchmark")
    finally:
        await engine.dispose()
    key = created.admin_key.key

    account = (await http.graphql(host, port, key, CREATE_ACCOUNT, {"name": "Benchmark"}))["createAccount"]
    assert not account["errors"], account
    account_public_id = account["account"]["id"]
    group_public_ids = []
    for index in range(group_count):
        variables = {"accountId": account_public_id, "name": f"Group {index + 1:02d}"}
        group = (await http.graphql(host, port, key, CREATE_GROUP, variables))["createGroup"]
        assert not group["errors"], group
        group_public_ids.append(group["group"]["id"])

    account_id = _uuid_from_hex(account_public_id, "acc")
    connection = await asyncpg.connect(database_url)
    try:
        list_id = await connection.fetchval("SELECT list_id FROM accounts WHERE id = $1", account_id)
    finally:
        await connection.close()
    return Tenant(
        organization_id=created.organization.id,
        account_id=account_id,
        account_public_id=account_public_id,
        list_id=list_id,
        group_ids=[_uuid_from_hex(g, "grp") for g in group_public_ids],
        group_public_ids=group_public_ids,
        admin_key=key,
        admin_key_id=created.admin_key.model.id,
    )


def generate(contacts: int, spare: int, group_count: int, seed: int) -> Dataset:
    rng = random.Random(seed)
    # +316 and eight digits: Dutch mobile numbers, already E.164, all distinct.
    numbers = [f"+316{n:08d}" for n in rng.sample(range(10**8), contacts + spare)]
    groups: list[tuple[int, ...]] = []
    for index in range(contacts):
        primary = index % group_count
        if rng.random() < SECOND_GROUP_SHARE:
            groups.append((primary, (primary + 1 + rng.randrange(group_count - 1)) % group_count))
        else:
            groups.append((primary,))
    msisdns = numbers[:contacts]
    return Dataset(
        contact_ids=[UUID(int=rng.getrandbits(128), version=4) for _ in range(contacts)],
        msisdns=msisdns,
        emails=[f"contact{index}@example.com" if rng.random() < EMAIL_SHARE else None for index in range(contacts)],
        groups=groups,
        opted_out={msisdns[i] for i in rng.sample(range(contacts), int(contacts * OPTED_OUT_SHARE))},
        spare_msisdns=numbers[contacts:],
    )


def _opt_out_rows(dataset: Dataset, seed: int) -> list[tuple[str, datetime, str | None]]:
    rng = random.Random(seed + 1)
    now = datetime.now(UTC)
    return [
        (token, now - timedelta(seconds=rng.randrange(2 * 365 * 86400)), rng.choice(REASONS))
        for token in sorted(dataset.opted_out)
    ]


async def load(connection: asyncpg.Connection, tenant: Tenant, dataset: Dataset, seed: int) -> None:
    """COPY the address book, its memberships and the opt-outs in, then VACUUM ANALYZE."""
    org, account, list_id = tenant.organization_id, tenant.account_id, tenant.list_id

    def contacts() -> Iterator[tuple[Any, ...]]:
        for contact_id, msisdn, email in zip(dataset.contact_ids, dataset.msisdns, dataset.emails, strict=True):
            yield contact_id, org, account, msisdn, email

    def members() -> Iterator[tuple[Any, ...]]:
        # Memberships carry copies of the contact's tokens (the audience walks them in order).
        for contact_id, groups, msisdn, email in zip(
            dataset.contact_ids, dataset.groups, dataset.msisdns, dataset.emails, strict=True
        ):
            for group in groups:
                yield org, tenant.group_ids[group], contact_id, msisdn, email

    opt_outs = _opt_out_rows(dataset, seed)
    steps: list[tuple[str, str, list[str], Any]] = [
        ("contacts", "contacts", ["id", "organization_id", "account_id", "msisdn", "email"], contacts()),
        (
            "group_members",
            "group_members",
            ["organization_id", "group_id", "contact_id", "msisdn", "email"],
            members(),
        ),
        (
            "opt_out_states",
            "opt_out_states",
            ["organization_id", "list_id", "channel", "token", "token_type", "opted_out", "since", "reason"],
            ((org, list_id, CHANNEL, token, "MSISDN", True, since, reason) for token, since, reason in opt_outs),
        ),
        (
            "opt_out_events",
            "opt_out_events",
            [
                "organization_id",
                "list_id",
                "account_id",
                "scope",
                "token",
                "token_type",
                "channel",
                "action",
                "source",
                "reason",
                "occurred_at",
            ],
            (
                (
                    org,
                    list_id,
                    account,
                    "ORGANIZATION",
                    token,
                    "MSISDN",
                    CHANNEL,
                    "OPT_OUT",
                    "KEYWORD",
                    reason,
                    since,
                )
                for token, since, reason in opt_outs
            ),
        ),
    ]
    for label, table, columns, records in steps:
        started = time.perf_counter()
        await connection.copy_records_to_table(table, records=records, columns=columns)
        dataset.timings[f"COPY {label}"] = time.perf_counter() - started

    started = time.perf_counter()
    # Without it autovacuum would wake up mid-measurement, and index-only scans would visit the heap.
    await connection.execute("VACUUM (ANALYZE) contacts, group_members, opt_out_states, opt_out_events")
    dataset.timings["VACUUM ANALYZE"] = time.perf_counter() - started
    started = time.perf_counter()
    try:
        # Flush the load's dirty pages now, not in a checkpoint during the measurements.
        await connection.execute("CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        pass
    dataset.timings["CHECKPOINT"] = time.perf_counter() - started
