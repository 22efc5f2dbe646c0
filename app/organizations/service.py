from dataclasses import dataclass

from app import models
from app.auth.actor import Actor
from app.auth.service import ApiKeyService, CreatedKey
from app.db.unit_of_work import UnitOfWork
from app.errors import InvalidInput, NotFound, quoted
from app.organizations.repository import OrganizationRepository


@dataclass(frozen=True)
class CreatedOrganization:
    organization: models.Organization
    admin_key: CreatedKey


class OrganizationService:
    async def create(self, uow: UnitOfWork, keys: ApiKeyService, *, name: str) -> CreatedOrganization:
        """Operator action (command line): a new tenant, its opt-out list and its first admin key."""
        clean = name.strip()
        if not clean or len(clean) > 200:
            raise InvalidInput(f"{quoted(name)} is not a valid organization name (1 to 200 characters).", field="name")
        organization = models.Organization(name=clean)
        await OrganizationRepository(uow.session).add(
            organization, models.OptOutList(organization_id=organization.id, account_id=None)
        )
        admin_key = await keys.create(uow, organization_id=organization.id, role="admin")
        return CreatedOrganization(organization=organization, admin_key=admin_key)

    async def get(self, uow: UnitOfWork, actor: Actor) -> models.Organization:
        organization = await OrganizationRepository(uow.session).get(actor.organization_id)
        if organization is None:
            raise NotFound("The organization of this API key no longer exists.")
        return organization


organization_service = OrganizationService()
