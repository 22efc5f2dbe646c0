from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app import models
from app.auth.actor import Actor
from app.auth.service import ApiKeyService, CreatedKey
from app.errors import InvalidInput, NotFound, quoted
from app.organizations.repository import OrganizationRepository


@dataclass(frozen=True)
class CreatedOrganization:
    organization: models.Organization
    admin_key: CreatedKey


class OrganizationService:
    async def create(self, session: AsyncSession, keys: ApiKeyService, *, name: str) -> CreatedOrganization:
        """Operator action (command line): a new tenant, its opt-out list and its first admin key."""
        clean = name.strip()
        if not clean or len(clean) > 200:
            raise InvalidInput(f"{quoted(name)} is not a valid organization name (1 to 200 characters).", field="name")
        organization = models.Organization(name=clean)
        await OrganizationRepository(session).add(
            organization, models.OptOutList(organization_id=organization.id, account_id=None)
        )
        admin_key = await keys.create(session, organization_id=organization.id, role="admin")
        return CreatedOrganization(organization=organization, admin_key=admin_key)

    async def get(self, session: AsyncSession, actor: Actor) -> models.Organization:
        organization = await OrganizationRepository(session).get(actor.organization_id)
        if organization is None:
            raise NotFound("The organization of this API key no longer exists.")
        return organization


organization_service = OrganizationService()
