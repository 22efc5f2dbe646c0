import time
from dataclasses import dataclass
from uuid import UUID

from app import models
from app.accounts.service import account_service
from app.auth import keys
from app.auth.actor import Actor
from app.auth.repository import ApiKeyRepository
from app.db.unit_of_work import UnitOfWork, UnitsOfWork
from app.enums import Role
from app.errors import InvalidInput, NotFound
from app.ids import encode


@dataclass(frozen=True)
class CreatedKey:
    key: str
    model: models.ApiKey


class ApiKeyService:
    """Creates and resolves API keys. Resolved keys are cached briefly: every request needs one."""

    CACHE_SECONDS = 10.0

    def __init__(self, pepper: str) -> None:
        self.pepper = pepper
        self._cache: dict[bytes, tuple[float, Actor]] = {}

    async def create(
        self, uow: UnitOfWork, *, organization_id: UUID, role: str, account_id: UUID | None = None
    ) -> CreatedKey:
        try:
            parsed_role = Role(role)
        except ValueError:
            raise InvalidInput(f'"{role}" is not a role: use admin, writer or reader.', field="role") from None
        repository = ApiKeyRepository(uow.session)
        if not await repository.organization_exists(organization_id):
            raise NotFound(f'Organization "{encode("Organization", organization_id)}" does not exist.', field="org")
        if account_id is not None:
            if not await account_service.exists(uow, organization_id, account_id):
                raise NotFound(
                    f'Account "{encode("Account", account_id)}" does not exist in this organization.', field="account"
                )
        key = keys.generate()
        model = models.ApiKey(
            organization_id=organization_id,
            account_id=account_id,
            role=parsed_role.value,
            key_hash=keys.hash_key(key, self.pepper),
            key_prefix=keys.display_prefix(key),
        )
        await repository.add(model)
        return CreatedKey(key=key, model=model)

    async def resolve(self, units: UnitsOfWork, key: str) -> Actor | None:
        key_hash = keys.hash_key(key, self.pepper)
        now = time.monotonic()
        cached = self._cache.get(key_hash)
        if cached is not None and cached[0] > now:
            return cached[1]
        async with units.read() as unit:
            model = await ApiKeyRepository(unit.session).get_active_by_hash(key_hash)
        if model is None:
            self._cache.pop(key_hash, None)
            return None
        actor = Actor(
            organization_id=model.organization_id, role=Role(model.role), key_id=model.id, account_id=model.account_id
        )
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key_hash] = (now + self.CACHE_SECONDS, actor)
        return actor
