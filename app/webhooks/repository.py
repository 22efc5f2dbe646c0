"""All SQL of webhooks (migration 0006)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import orjson

from app.db import raw

_ENDPOINT_COLUMNS = "id, account_id, url, enabled, disabled_reason, created_at"
_ADD_ENDPOINT = (
    "INSERT INTO webhook_endpoints (id, organization_id, account_id, url, secret) VALUES ($1, $2, $3, $4, $5)"
    f" RETURNING {_ENDPOINT_COLUMNS}"
)
_ENDPOINT = f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE organization_id = $1 AND id = $2"
_ENDPOINTS = (
    f"SELECT {_ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE organization_id = $1 AND account_id = $2"
    " ORDER BY created_at, id"
)
_UPDATE_ENDPOINT = f"""
UPDATE webhook_endpoints SET url = coalesce($3, url), enabled = coalesce($4, enabled),
    failing_since = CASE WHEN $4 THEN NULL ELSE failing_since END,
    disabled_reason = CASE WHEN $4 THEN NULL ELSE disabled_reason END
WHERE organization_id = $1 AND id = $2 RETURNING {_ENDPOINT_COLUMNS}
"""
_DELETE_ENDPOINT = "DELETE FROM webhook_endpoints WHERE organization_id = $1 AND id = $2"
_ROTATE = f"""
UPDATE webhook_endpoints SET previous_secret = secret, previous_secret_until = now() + make_interval(secs => $4),
    secret = $3
WHERE organization_id = $1 AND id = $2 RETURNING {_ENDPOINT_COLUMNS}
"""
# One row per event and enabled endpoint of every account that uses the list the event changed:
# as the feed, an account hears every change of its list, whichever account made it.
_ENQUEUE_EVENTS = """
INSERT INTO webhook_deliveries (id, organization_id, endpoint_id, event_id, kind, payload)
SELECT gen_random_uuid(), endpoint.organization_id, endpoint.id, event.id, event.kind, event.payload
FROM webhook_endpoints AS endpoint
JOIN accounts AS account ON account.id = endpoint.account_id AND account.organization_id = $1
CROSS JOIN unnest($3::bigint[], $4::text[], $5::jsonb[]) AS event (id, kind, payload)
WHERE endpoint.organization_id = $1 AND endpoint.enabled AND account.list_id = $2
"""
_ANY_ENDPOINT = """
SELECT EXISTS (
    SELECT 1 FROM webhook_endpoints AS endpoint
    JOIN accounts AS account ON account.id = endpoint.account_id AND account.organization_id = $1
    WHERE endpoint.organization_id = $1 AND endpoint.enabled AND account.list_id = $2
)
"""
_ENQUEUE_ONE = (
    "INSERT INTO webhook_deliveries (id, organization_id, endpoint_id, kind, payload)"
    " VALUES (gen_random_uuid(), $1, $2, $3, $4::jsonb)"
)
# Deliveries of a disabled endpoint wait, kept, until it is enabled again.
_CLAIM = """
UPDATE webhook_deliveries AS delivery
SET next_attempt_at = now() + make_interval(secs => $2), attempts = delivery.attempts + 1
FROM (
    SELECT delivery.id FROM webhook_deliveries AS delivery
    JOIN webhook_endpoints AS endpoint ON endpoint.id = delivery.endpoint_id AND endpoint.enabled
    WHERE delivery.status = 'PENDING' AND delivery.next_attempt_at <= now()
    ORDER BY delivery.next_attempt_at LIMIT $1 FOR UPDATE OF delivery SKIP LOCKED
) AS due, webhook_endpoints AS endpoint
WHERE delivery.id = due.id AND endpoint.id = delivery.endpoint_id
RETURNING delivery.id, delivery.organization_id, delivery.endpoint_id, endpoint.url, endpoint.secret,
          CASE WHEN endpoint.previous_secret_until > now() THEN endpoint.previous_secret END,
          delivery.payload, delivery.attempts
"""
_ATTEMPTS_INSERT = """
INSERT INTO webhook_attempts (delivery_id, attempt, organization_id, endpoint_id, status_code, succeeded, error,
                              duration_ms)
SELECT * FROM unnest($1::uuid[], $2::integer[], $3::uuid[], $4::uuid[], $5::integer[], $6::boolean[], $7::text[],
                     $8::integer[])
"""
_DELIVERED = "UPDATE webhook_deliveries SET status = 'DELIVERED', delivered_at = now() WHERE id = ANY($1::uuid[])"
_RETRY = (
    "UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $2)"
    " WHERE id = $1 AND status = 'PENDING'"
)
_FAILED = "UPDATE webhook_deliveries SET status = 'FAILED' WHERE id = $1 AND status = 'PENDING'"
_ENDPOINTS_OK = (
    "UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ANY($1::uuid[]) AND failing_since IS NOT NULL"
)
_ENDPOINT_FAILED = """
UPDATE webhook_endpoints SET failing_since = coalesce(failing_since, now()),
    enabled = enabled AND coalesce(failing_since, now()) > now() - make_interval(secs => $2),
    disabled_reason = CASE WHEN coalesce(failing_since, now()) <= now() - make_interval(secs => $2)
                           THEN $3 ELSE disabled_reason END
WHERE id = $1
"""
_ATTEMPTS = """
SELECT attempt.delivery_id, delivery.event_id, delivery.kind, attempt.attempt, attempt.status_code, attempt.succeeded,
       attempt.error, attempt.duration_ms, attempt.attempted_at
FROM webhook_attempts AS attempt JOIN webhook_deliveries AS delivery ON delivery.id = attempt.delivery_id
WHERE attempt.organization_id = $1 AND attempt.endpoint_id = $2
ORDER BY attempt.attempted_at DESC, attempt.attempt DESC LIMIT $3
"""


@dataclass(frozen=True, slots=True)
class EndpointRecord:
    id: UUID
    account_id: UUID
    url: str
    enabled: bool
    disabled_reason: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    id: UUID
    organization_id: UUID
    endpoint_id: UUID
    url: str
    secret: str
    previous_secret: str | None  # still signing during a rotation
    payload: dict[str, object]
    attempt: int


@dataclass(frozen=True, slots=True)
class Attempt:
    """One try at a claimed delivery, to be recorded."""

    delivery: ClaimedDelivery
    status_code: int | None  # None: no answer
    error: str | None  # None: delivered
    duration_ms: int


@dataclass(frozen=True, slots=True)
class AttemptRecord:
    delivery_id: UUID
    event_id: int | None
    kind: str
    attempt: int
    status_code: int | None
    succeeded: bool
    error: str | None
    duration_ms: int
    attempted_at: datetime


class WebhookRepository:
    def __init__(self, connection: raw.Connection) -> None:
        self.connection = connection

    async def add_endpoint(
        self, organization_id: UUID, endpoint_id: UUID, account_id: UUID, url: str, secret: str
    ) -> EndpointRecord:
        row = await self.connection.fetchrow(_ADD_ENDPOINT, endpoint_id, organization_id, account_id, url, secret)
        return EndpointRecord(*row)

    async def endpoint(self, organization_id: UUID, endpoint_id: UUID) -> EndpointRecord | None:
        row = await self.connection.fetchrow(_ENDPOINT, organization_id, endpoint_id)
        return EndpointRecord(*row) if row is not None else None

    async def endpoints(self, organization_id: UUID, account_id: UUID) -> list[EndpointRecord]:
        return [EndpointRecord(*row) for row in await self.connection.fetch(_ENDPOINTS, organization_id, account_id)]

    async def update_endpoint(
        self, organization_id: UUID, endpoint_id: UUID, *, url: str | None, enabled: bool | None
    ) -> EndpointRecord:
        return EndpointRecord(
            *await self.connection.fetchrow(_UPDATE_ENDPOINT, organization_id, endpoint_id, url, enabled)
        )

    async def delete_endpoint(self, organization_id: UUID, endpoint_id: UUID) -> None:
        await self.connection.execute(_DELETE_ENDPOINT, organization_id, endpoint_id)

    async def rotate(
        self, organization_id: UUID, endpoint_id: UUID, secret: str, grace_seconds: float
    ) -> EndpointRecord:
        row = await self.connection.fetchrow(_ROTATE, organization_id, endpoint_id, secret, grace_seconds)
        return EndpointRecord(*row)

    async def enqueue_events(
        self, organization_id: UUID, list_id: UUID, events: list[tuple[int, str, dict[str, object]]]
    ) -> None:
        await self.connection.execute(
            _ENQUEUE_EVENTS,
            organization_id,
            list_id,
            [event_id for event_id, _, _ in events],
            [kind for _, kind, _ in events],
            [orjson.dumps(payload).decode() for _, _, payload in events],
        )

    async def any_enabled_endpoint(self, organization_id: UUID, list_id: UUID) -> bool:
        found: bool = await self.connection.fetchval(_ANY_ENDPOINT, organization_id, list_id)
        return found

    async def enqueue_one(
        self, organization_id: UUID, endpoint_id: UUID, kind: str, payload: dict[str, object]
    ) -> None:
        await self.connection.execute(_ENQUEUE_ONE, organization_id, endpoint_id, kind, orjson.dumps(payload).decode())

    async def claim_due(self, limit: int, lease_seconds: float) -> list[ClaimedDelivery]:
        return [ClaimedDelivery(*row) for row in await self.connection.fetch(_CLAIM, limit, lease_seconds)]

    async def record(self, attempts: list[Attempt], schedule: Sequence[int], disable_after_seconds: float) -> None:
        """Each attempt in the log, and its delivery delivered, tried again later on `schedule` or
        failed for good; an endpoint failing without a break for `disable_after_seconds` is
        disabled. A delivery in the same batch clears its endpoint's failing clock."""
        await self.connection.execute(
            _ATTEMPTS_INSERT,
            [attempt.delivery.id for attempt in attempts],
            [attempt.delivery.attempt for attempt in attempts],
            [attempt.delivery.organization_id for attempt in attempts],
            [attempt.delivery.endpoint_id for attempt in attempts],
            [attempt.status_code for attempt in attempts],
            [attempt.error is None for attempt in attempts],
            [attempt.error for attempt in attempts],
            [attempt.duration_ms for attempt in attempts],
        )
        failing: dict[UUID, str] = {}
        for attempt in attempts:
            if attempt.error is None:
                continue
            delivery = attempt.delivery
            if delivery.attempt > len(schedule):
                await self.connection.execute(_FAILED, delivery.id)
            else:
                await self.connection.execute(_RETRY, delivery.id, schedule[delivery.attempt - 1])
            failing[delivery.endpoint_id] = attempt.error
        for endpoint_id, error in failing.items():
            reason = f"failing since more than {disable_after_seconds:g} s: {error}"
            await self.connection.execute(_ENDPOINT_FAILED, endpoint_id, disable_after_seconds, reason)
        delivered = [attempt.delivery for attempt in attempts if attempt.error is None]
        if delivered:
            await self.connection.execute(_DELIVERED, [delivery.id for delivery in delivered])
            await self.connection.execute(_ENDPOINTS_OK, list({delivery.endpoint_id for delivery in delivered}))

    async def attempts(self, organization_id: UUID, endpoint_id: UUID, limit: int) -> list[AttemptRecord]:
        rows = await self.connection.fetch(_ATTEMPTS, organization_id, endpoint_id, limit)
        return [AttemptRecord(*row) for row in rows]
