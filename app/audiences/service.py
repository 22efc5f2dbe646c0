from dataclasses import dataclass
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.service import account_service
from app.audiences.repository import AudienceRepository, AudienceScope
from app.auth.actor import Actor
from app.enums import Channel, Purpose
from app.errors import InvalidInput, TooMany
from app.groups.service import group_service
from app.pagination import Page, build_page, decode_cursor, encode_cursor, page_size

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


class AudienceService:
    async def _resolve(self, session: AsyncSession, actor: Actor, query: AudienceQuery) -> AudienceScope:
        if not query.group_ids:
            raise InvalidInput("Name at least one group.", field="groupIds")
        if len(query.group_ids) > MAX_GROUPS:
            raise TooMany(f"{len(query.group_ids)} groups in one audience; at most {MAX_GROUPS} are allowed.", field="groupIds")
        account = await account_service.get(session, actor, query.account_id)
        group_ids = list(dict.fromkeys(query.group_ids))
        groups = await group_service.get_for_account(session, actor, account, group_ids, field="groupIds")
        filtered = query.purpose is Purpose.PROMOTIONAL
        return AudienceScope(
            organization_id=actor.organization_id,
            account_id=account.id,
            list_id=account.list_id,
            token_type=query.channel.token_type.value,
            channel=query.channel.value,
            group_ids=group_ids,
            bypass_group_ids=[g.id for g in groups if g.bypass_opt_out] if filtered else [],
            filtered=filtered,
        )

    async def page(
        self, session: AsyncSession, actor: Actor, query: AudienceQuery, *, first: int | None, after: str | None
    ) -> Page[AudienceMember]:
        size = page_size(first)
        key = decode_cursor("audience", after, 1)
        scope = await self._resolve(session, actor, query)
        rows = await AudienceRepository(session).page(scope, after=str(key[0]) if key else "", limit=size + 1)
        members = [AudienceMember(contact_id=r.contact_id, token=r.token, via_bypass_group=r.via_bypass) for r in rows]
        return build_page(members, size, lambda m: encode_cursor("audience", [m.token]))

    async def counts(self, session: AsyncSession, actor: Actor, query: AudienceQuery) -> AudienceCounts:
        total, suppressed = await AudienceRepository(session).counts(await self._resolve(session, actor, query))
        return AudienceCounts(total=total, suppressed=suppressed)


audience_service = AudienceService()
