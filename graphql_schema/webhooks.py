from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Self, TypeAlias
from uuid import UUID

import strawberry

from app import ids as app_ids
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.errors import DomainError
from app.webhooks.payloads import webhook_id
from app.webhooks.repository import AttemptRecord, EndpointRecord
from app.webhooks.service import MAX_ATTEMPTS_LISTED, EndpointWithSecret, webhook_service
from graphql_schema import ids
from graphql_schema.context import Info
from graphql_schema.errors import UserError


@strawberry.type(description="One attempt to deliver a webhook, for the delivery log.")
class WebhookDelivery:
    event_id: strawberry.ID = strawberry.field(description="The event delivered (for a test delivery, its webhook-id).")
    webhook_id: str = strawberry.field(description="The webhook-id header: the same on every attempt.")
    kind: str = strawberry.field(description="optout.created, optin.created or webhook.test.")
    attempt: int
    status_code: int | None = strawberry.field(description="What the endpoint answered; null without an answer.")
    succeeded: bool
    error: str | None = strawberry.field(description="Why it failed.")
    duration_ms: int
    attempted_at: datetime

    @classmethod
    def from_record(cls, attempt: AttemptRecord) -> Self:
        delivery = webhook_id(attempt.delivery_id)
        return cls(
            event_id=strawberry.ID(app_ids.encode_event(attempt.event_id) if attempt.event_id else delivery),
            webhook_id=delivery,
            kind=attempt.kind,
            attempt=attempt.attempt,
            status_code=attempt.status_code,
            succeeded=attempt.succeeded,
            error=attempt.error,
            duration_ms=attempt.duration_ms,
            attempted_at=attempt.attempted_at,
        )


@strawberry.type(description="Where an account's opt-outs and opt-ins are POSTed, signed per Standard Webhooks.")
class WebhookEndpoint:
    id: strawberry.ID
    url: str
    enabled: bool = strawberry.field(
        description="A disabled endpoint gets nothing; its deliveries wait, kept, until it is enabled again."
    )
    disabled_reason: str | None = strawberry.field(description="Why it was disabled, when Stoplist disabled it.")
    created_at: datetime
    model_id: strawberry.Private[UUID]

    @strawberry.field(description=f"Its latest delivery attempts, newest first; at most {MAX_ATTEMPTS_LISTED}.")
    async def deliveries(self, info: Info, first: int | None = 20) -> list[WebhookDelivery]:
        actor = info.context.actor
        attempts = await info.context.read(
            lambda unit: webhook_service.attempts(unit, actor, self.model_id, 20 if first is None else first)
        )
        return [WebhookDelivery.from_record(attempt) for attempt in attempts]

    @classmethod
    def from_record(cls, endpoint: EndpointRecord) -> Self:
        return cls(
            id=ids.encode("WebhookEndpoint", endpoint.id),
            url=endpoint.url,
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason,
            created_at=endpoint.created_at,
            model_id=endpoint.id,
        )


@strawberry.type(description="The result of a webhook endpoint mutation.")
class WebhookEndpointPayload:
    endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(
        description="The signing secret (whsec_...), only when it is made: store it, it is not shown again."
    )
    errors: list[UserError]

    @classmethod
    def made(cls, made: EndpointWithSecret) -> Self:
        return cls(endpoint=WebhookEndpoint.from_record(made.endpoint), secret=made.secret, errors=[])

    @classmethod
    def of(cls, endpoint: EndpointRecord) -> Self:
        return cls(endpoint=WebhookEndpoint.from_record(endpoint), secret=None, errors=[])

    @classmethod
    def refused(cls, error: DomainError) -> Self:
        return cls(endpoint=None, secret=None, errors=UserError.list_from(error))


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="The webhook endpoints of an account.")
    async def webhook_endpoints(self, info: Info, account_id: strawberry.ID) -> list[WebhookEndpoint]:
        actor = info.context.actor
        decoded = ids.decode("Account", account_id, field="accountId")
        endpoints = await info.context.read(lambda unit: webhook_service.list_for_account(unit, actor, decoded))
        return [WebhookEndpoint.from_record(endpoint) for endpoint in endpoints]


URL = "http(s) only; private, loopback and link-local addresses are refused unless the server allows them."


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Add an endpoint to an account (admin); the secret is returned this once. " + URL)
    async def create_webhook_endpoint(
        self, info: Info, account_id: strawberry.ID, url: Annotated[str, strawberry.argument(description=URL)]
    ) -> WebhookEndpointPayload:
        try:
            actor = info.context.actor
            decoded = ids.decode("Account", account_id, field="accountId")
            made = await info.context.run(lambda unit: webhook_service.create(unit, actor, decoded, url))
        except DomainError as error:
            return WebhookEndpointPayload.refused(error)
        return WebhookEndpointPayload.made(made)

    @strawberry.mutation(description="Change an endpoint's URL or enable it again, or disable it (admin).")
    async def update_webhook_endpoint(
        self, info: Info, id: strawberry.ID, url: str | None = None, enabled: bool | None = None
    ) -> WebhookEndpointPayload:
        return await _on_endpoint(
            info,
            id,
            lambda unit, actor, endpoint: webhook_service.update(unit, actor, endpoint, url=url, enabled=enabled),
        )

    @strawberry.mutation(description="Delete an endpoint and its pending deliveries (admin).")
    async def delete_webhook_endpoint(self, info: Info, id: strawberry.ID) -> WebhookEndpointPayload:
        return await _on_endpoint(info, id, webhook_service.delete)

    @strawberry.mutation(
        description="A new signing secret, returned this once (admin); the old one signs beside it for a grace "
        "period, so a receiver can change over without losing a delivery."
    )
    async def rotate_webhook_secret(self, info: Info, id: strawberry.ID) -> WebhookEndpointPayload:
        return await _on_endpoint(info, id, webhook_service.rotate_secret)

    @strawberry.mutation(description="Queue a test delivery (type webhook.test) to an endpoint (admin).")
    async def send_test_webhook(self, info: Info, id: strawberry.ID) -> WebhookEndpointPayload:
        return await _on_endpoint(info, id, webhook_service.send_test)


EndpointChange: TypeAlias = Callable[[UnitOfWork, Actor, UUID], Awaitable[EndpointRecord | EndpointWithSecret]]


async def _on_endpoint(info: Info, id: strawberry.ID, change: EndpointChange) -> WebhookEndpointPayload:
    try:
        actor = info.context.actor
        decoded = ids.decode("WebhookEndpoint", id, field="id")
        changed = await info.context.run(lambda unit: change(unit, actor, decoded))
    except DomainError as error:
        return WebhookEndpointPayload.refused(error)
    if isinstance(changed, EndpointWithSecret):
        return WebhookEndpointPayload.made(changed)
    return WebhookEndpointPayload.of(changed)
