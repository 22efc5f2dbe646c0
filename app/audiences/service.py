from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from uuid import UUID

from app.accounts.service import account_service
from app.audiences.repository import AudienceRepository, AudienceScope
from app.auth.actor import Actor
from app.db.copy_out import Output, copied
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, Purpose
from app.errors import InvalidInput, TooMany
from app.groups.service import group_service
from app.pagination import Page, build_page, decode_cursor, encode_cursor, page_size, text
from app.read_ahead import keyset_batches

MAX_GROUPS = 100


@dataclass(frozen=True, slots=True)
class AudienceMember:
    contact_id: UUID
    token: str
    via_bypass_group: bool


@dataclass(frozen=True)
class AudienceQuery:
    account_id: UUID
    group_ids: list[UUID]
    channel: Channel
    purpose: Purpose = Purpose.PROMOTIONAL


@dataclass(frozen=True)
class AudienceCounts:
    total: int
    suppressed: int


@dataclass(frozen=True)
class PreparedAudience:
    """A checked audience request: its scope and the page it asks for."""

    scope: AudienceScope
    size: int
    after: str


class AudienceService:
    async def prepare(
        self,
        uow: UnitOfWork,
        actor: Actor,
        query: AudienceQuery,
        *,
        first: int | None,
        after: str | None,
        field: str = "groupIds",
    ) -> PreparedAudience:
        """Checks everything up front, so a page and the counts can then be read independently
        (and only when asked for). `field`: what the caller calls the groups, for errors."""
        size = page_size(first)
        key = decode_cursor("audience", after, (text,))
        if not query.group_ids:
            raise InvalidInput("Name at least one group.", field=field)
        if len(query.group_ids) > MAX_GROUPS:
            raise TooMany(
                f"{len(query.group_ids)} groups in one audience; at most {MAX_GROUPS} are allowed.", field=field
            )
        account = await account_service.get(uow, actor, query.account_id)
        group_ids = list(dict.fromkeys(query.group_ids))
        groups = await group_service.get_for_account(uow, actor, account, group_ids, field=field)
        filtered = query.purpose is Purpose.PROMOTIONAL
        scope = AudienceScope(
            organization_id=actor.organization_id,
            account_id=account.id,
            list_id=account.list_id,
            token_type=query.channel.token_type.value,
            channel=query.channel.value,
            group_ids=group_ids,
            bypass_group_ids=[g.id for g in groups if g.bypass_opt_out] if filtered else [],
            filtered=filtered,
        )
        return PreparedAudience(scope=scope, size=size, after=key[0] if key else "")

    async def page(self, uow: UnitOfWork, prepared: PreparedAudience) -> Page[AudienceMember]:
        members = await _members(uow, prepared.scope, after=prepared.after, limit=prepared.size + 1)
        return build_page(members, prepared.size, lambda m: encode_cursor("audience", [m.token]))

    async def batches(
        self, uow: UnitOfWork, prepared: PreparedAudience, *, batch: int = 5_000
    ) -> AsyncIterator[list[AudienceMember]]:
        """The whole audience from the prepared cursor on, in `page`'s order, a batch at a time
        (the page size aside): for exports of any size."""

        async def read(after: str, limit: int) -> list[AudienceMember]:
            return await _members(uow, prepared.scope, after=after, limit=limit)

        async for members in keyset_batches(uow, read, prepared.after, lambda member: member.token, batch):
            yield members

    def copied(self, uow: UnitOfWork, prepared: PreparedAudience, *, delimiter: str) -> AsyncIterator[bytes]:
        """`batches`' members as CSV rows written by PostgreSQL, in one statement (an export's fast
        path): the contact's public id, the token escaped for spreadsheets, viaBypassGroup."""
        repository = AudienceRepository(uow.connection)

        def copy(output: Output) -> Awaitable[None]:
            return repository.copy_whole(prepared.scope, after=prepared.after, output=output, delimiter=delimiter)

        return copied(uow, copy)

    async def counts(self, uow: UnitOfWork, prepared: PreparedAudience) -> AudienceCounts:
        total, suppressed = await AudienceRepository(uow.connection).counts(prepared.scope)
        return AudienceCounts(total=total, suppressed=suppressed)


async def _members(uow: UnitOfWork, scope: AudienceScope, *, after: str, limit: int) -> list[AudienceMember]:
    rows = await AudienceRepository(uow.connection).page(scope, after=after, limit=limit)
    return [
        AudienceMember(contact_id=r["contact_id"], token=r["token"], via_bypass_group=r["via_bypass"]) for r in rows
    ]


audience_service = AudienceService()
