from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID, uuid4

from app import ids
from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import Role
from app.errors import NotFound, TooMany
from app.opt_outs.records import EventRecord
from app.settings import get_settings
from app.webhooks import payloads
from app.webhooks.destinations import check_url
from app.webhooks.repository import AttemptRecord, EndpointRecord, WebhookRepository
from app.webhooks.signing import new_secret

MAX_ENDPOINTS_PER_ACCOUNT = 20
MAX_ATTEMPTS_LISTED = 100
BULK_EVENTS = 100  # events at once from which a look for endpoints first is worth its round trip


@dataclass(frozen=True)
class EndpointWithSecret:
    endpoint: EndpointRecord
    secret: str  # shown once: at creation and at rotation


def _not_found(endpoint_id: UUID) -> NotFound:
    return NotFound(f'Webhook endpoint "{ids.encode("WebhookEndpoint", endpoint_id)}" does not exist.', field="id")


class WebhookService:
    async def may_deliver(self, uow: UnitOfWork, account: AccountSettings, events: int) -> bool:
        """Whether so many new events of the account's list may go to some endpoint. A batch of an
        upload or import is looked for endpoints first, so that its payloads are built (and parsed
        by the database) only when one will get them; a few events go in one statement either way."""
        return events < BULK_EVENTS or await WebhookRepository(uow.connection).any_enabled_endpoint(
            account.organization_id, account.list_id
        )

    async def enqueue(self, uow: UnitOfWork, account: AccountSettings, events: list[EventRecord]) -> None:
        """One delivery per event for each enabled endpoint of every account that uses the list the
        events changed, in the transaction that made them: delivered if and only if they commit."""
        if await self.may_deliver(uow, account, len(events)):
            await self.deliver(uow, account, events)

    async def deliver(self, uow: UnitOfWork, account: AccountSettings, events: list[EventRecord]) -> None:
        """`enqueue` once `may_deliver` has said yes."""
        kinds_and_payloads = [
            (event.id, payloads.TYPES[event.action], payloads.event_payload(event)) for event in events
        ]
        await WebhookRepository(uow.connection).enqueue_events(
            account.organization_id, account.list_id, kinds_and_payloads
        )
        uow.outbox_written()

    async def _endpoint(self, uow: UnitOfWork, actor: Actor, endpoint_id: UUID) -> EndpointRecord:
        endpoint = await WebhookRepository(uow.connection).endpoint(actor.organization_id, endpoint_id)
        if endpoint is None or not actor.can_see_account(endpoint.account_id):
            raise _not_found(endpoint_id)
        return endpoint

    async def create(self, uow: UnitOfWork, actor: Actor, account_id: UUID, url: str) -> EndpointWithSecret:
        actor.require(Role.ADMIN, what="manage webhook endpoints")
        account = await account_service.settings(uow, actor, account_id)
        checked = check_url(url, allow_private=get_settings().STOPLIST_WEBHOOK_ALLOW_PRIVATE)
        repository = WebhookRepository(uow.connection)
        if len(await repository.endpoints(actor.organization_id, account.id)) >= MAX_ENDPOINTS_PER_ACCOUNT:
            raise TooMany(f"An account has at most {MAX_ENDPOINTS_PER_ACCOUNT} webhook endpoints.", field="accountId")
        secret = new_secret()
        endpoint = await repository.add_endpoint(actor.organization_id, uuid4(), account.id, checked, secret)
        return EndpointWithSecret(endpoint, secret)

    async def update(
        self, uow: UnitOfWork, actor: Actor, endpoint_id: UUID, *, url: str | None, enabled: bool | None
    ) -> EndpointRecord:
        actor.require(Role.ADMIN, what="manage webhook endpoints")
        await self._endpoint(uow, actor, endpoint_id)
        checked = (
            check_url(url, allow_private=get_settings().STOPLIST_WEBHOOK_ALLOW_PRIVATE) if url is not None else None
        )
        endpoint = await WebhookRepository(uow.connection).update_endpoint(
            actor.organization_id, endpoint_id, url=checked, enabled=enabled
        )
        if enabled:
            uow.outbox_written()  # the deliveries that waited go now
        return endpoint

    async def delete(self, uow: UnitOfWork, actor: Actor, endpoint_id: UUID) -> EndpointRecord:
        actor.require(Role.ADMIN, what="manage webhook endpoints")
        endpoint = await self._endpoint(uow, actor, endpoint_id)
        await WebhookRepository(uow.connection).delete_endpoint(actor.organization_id, endpoint_id)
        return endpoint

    async def rotate_secret(self, uow: UnitOfWork, actor: Actor, endpoint_id: UUID) -> EndpointWithSecret:
        """A new secret; the old one still signs, beside it, for the grace period, so that a receiver
        can change over without losing a delivery."""
        actor.require(Role.ADMIN, what="manage webhook endpoints")
        await self._endpoint(uow, actor, endpoint_id)
        secret = new_secret()
        grace = get_settings().STOPLIST_WEBHOOK_ROTATION_GRACE_SECONDS
        endpoint = await WebhookRepository(uow.connection).rotate(actor.organization_id, endpoint_id, secret, grace)
        return EndpointWithSecret(endpoint, secret)

    async def send_test(self, uow: UnitOfWork, actor: Actor, endpoint_id: UUID) -> EndpointRecord:
        actor.require(Role.ADMIN, what="manage webhook endpoints")
        endpoint = await self._endpoint(uow, actor, endpoint_id)
        payload = payloads.test_payload(ids.encode("WebhookEndpoint", endpoint_id), datetime.now(UTC).isoformat())
        await WebhookRepository(uow.connection).enqueue_one(actor.organization_id, endpoint_id, payloads.TEST, payload)
        uow.outbox_written()
        return endpoint

    async def list_for_account(self, uow: UnitOfWork, actor: Actor, account_id: UUID) -> list[EndpointRecord]:
        account = await account_service.settings(uow, actor, account_id)
        return await WebhookRepository(uow.connection).endpoints(actor.organization_id, account.id)

    async def attempts(self, uow: UnitOfWork, actor: Actor, endpoint_id: UUID, first: int) -> list[AttemptRecord]:
        await self._endpoint(uow, actor, endpoint_id)
        limit = max(0, min(first, MAX_ATTEMPTS_LISTED))
        return await WebhookRepository(uow.connection).attempts(actor.organization_id, endpoint_id, limit)


webhook_service = WebhookService()
