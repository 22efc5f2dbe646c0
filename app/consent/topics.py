"""Consent topics: an account's campaign types, each with the channels it covers and how long a
consent to it holds. Created and changed by admins; read by any key of the account."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db import raw
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, Role
from app.errors import Duplicate, InvalidInput, NotFound, TooMany, quoted
from app.ids import encode

MAX_TOPICS = 200  # per account, retired ones included: a topic is never deleted
MAX_VALID_DAYS = 36_500


@dataclass(frozen=True, slots=True)
class ConsentTopic:
    id: UUID
    organization_id: UUID
    account_id: UUID
    name: str
    channels: list[Channel]
    valid_for_days: int | None  # None: a consent holds until withdrawn
    retired: bool
    created_at: datetime

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> "ConsentTopic":
        return cls(**{**dict(row), "channels": [Channel(c) for c in row["channels"]]})


_COLUMNS = "id, organization_id, account_id, name, channels, valid_for_days, retired, created_at"
UNSET = object()  # update: leave validForDays as it is


def _name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > 200:
        raise InvalidInput(f"{quoted(name)} is not a valid topic name (1 to 200 characters).", field="name")
    return clean


def _valid_for_days(days: int | None) -> int | None:
    if days is not None and not 1 <= days <= MAX_VALID_DAYS:
        raise InvalidInput(
            f"validForDays {days} is out of range: 1 to {MAX_VALID_DAYS:,} days, or null for no limit.",
            field="validForDays",
        )
    return days


def _channels(channels: list[Channel]) -> list[Channel]:
    if not channels:
        raise InvalidInput("A topic covers at least one channel.", field="channels")
    return list(dict.fromkeys(channels))


def _name_taken(name: str) -> Duplicate:
    return Duplicate(f"This account already has a topic named {quoted(name)} in use.", field="name")


async def _fetchrow_alone(connection: raw.Connection, statement: str, *arguments: object) -> asyncpg.Record:
    """In a savepoint: a name already in use fails this statement, not the caller's transaction."""
    async with connection.transaction():
        row = await connection.fetchrow(statement, *arguments)
    assert row is not None
    return row


class ConsentTopicService:
    async def list_for_account(self, uow: UnitOfWork, actor: Actor, account_id: UUID) -> list[ConsentTopic]:
        account = await account_service.settings(uow, actor, account_id)
        rows = await uow.connection.fetch(
            f"SELECT {_COLUMNS} FROM consent_topics WHERE organization_id = $1 AND account_id = $2"
            " ORDER BY retired, lower(name), id",
            actor.organization_id,
            account.id,
        )
        return [ConsentTopic.from_row(row) for row in rows]

    async def get(self, uow: UnitOfWork, actor: Actor, topic_id: UUID, *, field: str = "topicId") -> ConsentTopic:
        """The topic if this key may see its account; another's answers exactly as a missing one."""
        row = await uow.connection.fetchrow(
            f"SELECT {_COLUMNS} FROM consent_topics WHERE organization_id = $1 AND id = $2",
            actor.organization_id,
            topic_id,
        )
        if row is None or not actor.can_see_account(row["account_id"]):
            raise NotFound(f'Consent topic "{encode("ConsentTopic", topic_id)}" does not exist.', field=field)
        return ConsentTopic.from_row(row)

    async def create(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        account_id: UUID,
        name: str,
        channels: list[Channel],
        valid_for_days: int | None,
    ) -> ConsentTopic:
        actor.require(Role.ADMIN, what="create consent topics")
        account = await account_service.settings(uow, actor, account_id)
        clean, covered, days = _name(name), _channels(channels), _valid_for_days(valid_for_days)
        count = await uow.connection.fetchval(
            "SELECT count(*) FROM consent_topics WHERE organization_id = $1 AND account_id = $2",
            actor.organization_id,
            account.id,
        )
        if count >= MAX_TOPICS:
            raise TooMany(f"This account has {count} topics; at most {MAX_TOPICS} are allowed.", field="name")
        try:
            row = await _fetchrow_alone(
                uow.connection,
                "INSERT INTO consent_topics (id, organization_id, account_id, name, channels, valid_for_days)"
                f" VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_COLUMNS}",
                uuid4(),
                actor.organization_id,
                account.id,
                clean,
                [c.value for c in covered],
                days,
            )
        except asyncpg.UniqueViolationError:
            raise _name_taken(clean) from None
        return ConsentTopic.from_row(row)

    async def update(
        self,
        uow: UnitOfWork,
        actor: Actor,
        topic_id: UUID,
        *,
        name: str | None = None,
        valid_for_days: int | None | object = UNSET,
        retired: bool | None = None,
    ) -> ConsentTopic:
        """Renames, changes the validity (None: no limit) or retires or restores a topic. Consents
        already given keep counting by the validity the topic has when a message is checked."""
        actor.require(Role.ADMIN, what="change consent topics")
        topic = await self.get(uow, actor, topic_id, field="id")
        clean = _name(name) if name is not None else topic.name
        days = topic.valid_for_days
        if valid_for_days is None or isinstance(valid_for_days, int):
            days = _valid_for_days(valid_for_days)
        try:
            row = await _fetchrow_alone(
                uow.connection,
                "UPDATE consent_topics SET name = $3, valid_for_days = $4, retired = $5"
                f" WHERE organization_id = $1 AND id = $2 RETURNING {_COLUMNS}",
                actor.organization_id,
                topic.id,
                clean,
                days,
                topic.retired if retired is None else retired,
            )
        except asyncpg.UniqueViolationError:
            raise _name_taken(clean) from None
        return ConsentTopic.from_row(row)


consent_topic_service = ConsentTopicService()
