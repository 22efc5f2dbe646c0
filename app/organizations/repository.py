from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app import models


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, organization: models.Organization, organization_list: models.OptOutList) -> None:
        self.session.add(organization)
        await self.session.flush()
        self.session.add(organization_list)
        await self.session.flush()

    async def get(self, organization_id: UUID) -> models.Organization | None:
        result = await self.session.execute(
            select(models.Organization).where(col(models.Organization.id) == organization_id)
        )
        return result.scalar_one_or_none()
