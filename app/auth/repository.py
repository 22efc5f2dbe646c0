from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import models


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: models.ApiKey) -> models.ApiKey:
        self.session.add(key)
        await self.session.flush()
        return key

    async def get_active_by_hash(self, key_hash: bytes) -> models.ApiKey | None:
        # The one lookup not scoped by organization: the key is what tells us the organization.
        result = await self.session.execute(
            select(models.ApiKey).where(
                col(models.ApiKey.key_hash) == key_hash, col(models.ApiKey.revoked_at).is_(None)
            )
        )
        return result.scalar_one_or_none()

    async def organization_exists(self, organization_id: UUID) -> bool:
        result = await self.session.execute(
            select(col(models.Organization.id)).where(col(models.Organization.id) == organization_id)
        )
        return result.scalar_one_or_none() is not None
