import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from app import models
from app.accounts.service import account_service
from app.auth import keys
from app.auth.actor import Actor
from app.auth.repository import ApiKeyRepository
from app.db.unit_of_work import UnitOfWork, UnitsOfWork
from app.enums import Role
from app.errors import Forbidden, InvalidInput, NotFound
from app.ids import encode
from app.request_facts import note_key

MAX_GRACE = timedelta(days=90)  # a rotation's old key stays valid at most this long


@dataclass(frozen=True)
class CreatedKey:
    key: str
    model: models.ApiKey


class ApiKeyService:
    """Creates, lists, revokes and rotates API keys, and resolves them. Resolved keys are cached
    briefly, since every request needs one; a withdrawn key leaves the cache at once through
    `forget` (app/auth/key_watch.py calls it in every process). Each key's last use is noted in
    memory and written in batches (`take_usage`), so a request costs no write."""

    CACHE_SECONDS = 10.0

    def __init__(self, pepper: str) -> None:
        self.pepper = pepper
        self._cache: dict[bytes, tuple[float, Actor]] = {}
        self._used: dict[UUID, datetime] = {}

    async def create(
        self, uow: UnitOfWork, *, organization_id: UUID, role: str, account_id: UUID | None = None
    ) -> CreatedKey:
        """An operator's (the command line): any role, for the organization or one account."""
        parsed_role = _role(role)
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

    async def create_as(self, uow: UnitOfWork, actor: Actor, *, role: str, account_id: UUID | None) -> CreatedKey:
        """A key made by an admin key, never with more power than its own: no higher role, and
        from an account's key, only a key of that account."""
        _require_admin(actor)
        parsed_role = _role(role)
        if parsed_role.rank > actor.role.rank:
            raise Forbidden(f"This API key's role ({actor.role}) cannot create a key of role {parsed_role}.")
        if account_id is None and actor.account_id is not None:
            raise Forbidden(
                "An account-scoped API key can only create keys of its own account: give its accountId.",
                field="accountId",
            )
        if account_id is not None:  # one this key may see, else answered as a missing one
            await account_service.settings(uow, actor, account_id)
        return await self.create(uow, organization_id=actor.organization_id, role=role, account_id=account_id)

    async def list(self, uow: UnitOfWork, actor: Actor, account_id: UUID | None) -> list[models.ApiKey]:
        """The keys an admin key may see: the organization's, or with an account given (always,
        for an account's key) those of that account. Revoked ones too: their times are history."""
        _require_admin(actor)
        if account_id is not None:  # one this key may see, else answered as a missing one
            await account_service.settings(uow, actor, account_id)
        return await ApiKeyRepository(uow.session).list_keys(actor.organization_id, account_id or actor.account_id)

    async def revoke(self, uow: UnitOfWork, actor: Actor, key_id: UUID) -> models.ApiKey:
        """Revoked at once (again: left as it was); every process drops it once this commits."""
        await self._visible_key(uow, actor, key_id)
        revoked = await ApiKeyRepository(uow.session).revoke(actor.organization_id, key_id)
        assert revoked is not None  # seen just now, in this transaction
        self.forget([key_id])
        return revoked

    async def rotate(
        self, uow: UnitOfWork, actor: Actor, key_id: UUID, grace: timedelta
    ) -> tuple[CreatedKey, models.ApiKey]:
        """A new secret for the key's organization, account and role; the old one stays valid for
        `grace` (never longer than an earlier rotation left it), then stops on its own."""
        if not timedelta(0) <= grace <= MAX_GRACE:
            raise InvalidInput(
                f"The grace period is {grace}; it must be between 0 and {MAX_GRACE.days} days.", field="grace"
            )
        old = await self._visible_key(uow, actor, key_id)
        if old.revoked_at is not None:
            raise InvalidInput(
                f'API key "{encode("ApiKey", key_id)}" is revoked: create a new one instead.', field="id"
            )
        created = await self.create(uow, organization_id=old.organization_id, role=old.role, account_id=old.account_id)
        expiring = await ApiKeyRepository(uow.session).expire(actor.organization_id, key_id, datetime.now(UTC) + grace)
        assert expiring is not None
        self.forget([key_id])  # cached until its new end, not past it
        return created, expiring

    async def _visible_key(self, uow: UnitOfWork, actor: Actor, key_id: UUID) -> models.ApiKey:
        _require_admin(actor)
        model = await ApiKeyRepository(uow.session).get(actor.organization_id, key_id)
        if model is None or not actor.can_see_account(model.account_id):
            raise NotFound(f'API key "{encode("ApiKey", key_id)}" does not exist.', field="id")
        return model

    async def resolve(self, units: UnitsOfWork, key: str) -> Actor | None:
        key_hash = keys.hash_key(key, self.pepper)
        now = time.monotonic()
        cached = self._cache.get(key_hash)
        if cached is not None and cached[0] > now:
            return self._used_by(cached[1])
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
        until = now + self.CACHE_SECONDS
        if model.expires_at is not None:  # never cached past the end of a rotation's grace
            until = min(until, now + (model.expires_at - datetime.now(UTC)).total_seconds())
        self._cache[key_hash] = (until, actor)
        return self._used_by(actor)

    def _used_by(self, actor: Actor) -> Actor:
        """A key resolved for a request: its use noted for the batched write, and for the request's log."""
        assert actor.key_id is not None  # every resolved key has its id
        self._used[actor.key_id] = datetime.now(UTC)
        note_key(actor.key_id)
        return actor

    def held(self) -> set[UUID]:
        """The keys this process has resolved and may still take from its cache."""
        return {actor.key_id for _, actor in self._cache.values() if actor.key_id is not None}

    def forget(self, key_ids: Iterable[UUID]) -> None:
        gone = set(key_ids)
        for key_hash, (_, actor) in list(self._cache.items()):
            if actor.key_id in gone:
                del self._cache[key_hash]

    def take_usage(self) -> dict[UUID, datetime]:
        """The last use of each key since the last call: for one write of them all."""
        used, self._used = self._used, {}
        return used


def _role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise InvalidInput(f'"{role}" is not a role: use admin, writer or reader.', field="role") from None


def _require_admin(actor: Actor) -> None:
    actor.require(Role.ADMIN, what="manage API keys")
