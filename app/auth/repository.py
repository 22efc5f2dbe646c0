from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import models

_KEY = models.ApiKey
# A key that may act: not revoked, and not past the end of a rotation's grace.
_VALID = (col(_KEY.revoked_at).is_(None), or_(col(_KEY.expires_at).is_(None), col(_KEY.expires_at) > func.now()))

_WITHDRAWN = text("""
SELECT id FROM api_keys
WHERE id = ANY(:ids) AND (revoked_at IS NOT NULL OR expires_at <= now())
""")
_RECORD_USE = text("""
UPDATE api_keys SET last_used_at = used.at
FROM unnest(CAST(:ids AS uuid[]), CAST(:ats AS timestamptz[])) AS used(id, at)
WHERE api_keys.id = used.id AND (api_keys.last_used_at IS NULL OR api_keys.last_used_at < used.at)
""")


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: models.ApiKey) -> models.ApiKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def get_active_by_hash(self, key_hash: bytes) -> models.ApiKey | None:
        # The one lookup not scoped by organization: the key is what tells us the organization.
        result = await self.session.execute(select(_KEY).where(col(_KEY.key_hash) == key_hash, *_VALID))
        return result.scalar_one_or_none()

    async def get(self, organization_id: UUID, key_id: UUID) -> models.ApiKey | None:
        result = await self.session.execute(
            select(_KEY).where(col(_KEY.organization_id) == organization_id, col(_KEY.id) == key_id)
        )
        return result.scalar_one_or_none()

    async def list_keys(self, organization_id: UUID, account_id: UUID | None) -> list[models.ApiKey]:
        """The organization's keys, oldest first: those of one account if given, else all."""
        statement = select(_KEY).where(col(_KEY.organization_id) == organization_id)
        if account_id is not None:
            statement = statement.where(col(_KEY.account_id) == account_id)
        result = await self.session.execute(statement.order_by(col(_KEY.created_at), col(_KEY.id)))
        return list(result.scalars())

    async def revoke(self, organization_id: UUID, key_id: UUID) -> models.ApiKey | None:
        """Revoked now, or left as it was if it already is."""
        return await self._change(organization_id, key_id, revoked_at=func.coalesce(col(_KEY.revoked_at), func.now()))

    async def expire(self, organization_id: UUID, key_id: UUID, at: datetime) -> models.ApiKey | None:
        """Valid until `at` at most: a second rotation never lengthens the first one's grace."""
        return await self._change(
            organization_id, key_id, expires_at=func.least(func.coalesce(col(_KEY.expires_at), at), at)
        )

    async def _change(self, organization_id: UUID, key_id: UUID, **values: object) -> models.ApiKey | None:
        result = await self.session.execute(
            update(_KEY)
            .where(col(_KEY.organization_id) == organization_id, col(_KEY.id) == key_id)
            .values(**values)
            .returning(_KEY)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return result.scalar_one_or_none()

    async def withdrawn(self, key_ids: Sequence[UUID]) -> set[UUID]:
        """Those of these keys revoked or past their grace, whatever their organization: the
        processes that hold them drop them."""
        result = await self.session.execute(_WITHDRAWN, {"ids": list(key_ids)})
        return set(result.scalars())

    async def record_use(self, used: dict[UUID, datetime]) -> None:
        await self.session.execute(_RECORD_USE, {"ids": list(used), "ats": list(used.values())})

    async def organization_of(self, key_id: UUID) -> UUID | None:
        """For the operator's command line, which names a key by its id alone."""
        result = await self.session.execute(select(col(_KEY.organization_id)).where(col(_KEY.id) == key_id))
        return result.scalar_one_or_none()

    async def organization_exists(self, organization_id: UUID) -> bool:
        result = await self.session.execute(
            select(col(models.Organization.id)).where(col(models.Organization.id) == organization_id)
        )
        return result.scalar_one_or_none() is not None
