"""Webhooks: endpoints per account, and an outbox of deliveries with every attempt logged.

- webhook_endpoints: where an account's events go. The secret signs deliveries (Standard
  Webhooks), so it is kept, never shown again after it is made; during a rotation the previous
  secret signs too, until `previous_secret_until`. `failing_since` marks the start of an
  unbroken run of failures: an endpoint failing for longer than the configured time is
  disabled, and its deliveries wait, kept, until it is enabled again.
- webhook_deliveries: one row per event and endpoint, written in the opt-out's own
  transaction; its id is the `webhook-id`, the same on every attempt. Claimed for a lease
  like outbound messages (at least once, one process at a time).
- webhook_attempts: every attempt, with its status code and timing, for the delivery log.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from alembic import op

from migrations.scripts import run_script

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE webhook_endpoints (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid NOT NULL REFERENCES accounts(id),
    url text NOT NULL,
    enabled boolean NOT NULL DEFAULT true,
    secret text NOT NULL,
    previous_secret text,
    previous_secret_until timestamptz,
    failing_since timestamptz,
    disabled_reason text,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, created_at, id);
CREATE INDEX webhook_endpoints_organization ON webhook_endpoints (organization_id);

CREATE TABLE webhook_deliveries (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id bigint,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);
CREATE INDEX webhook_deliveries_organization ON webhook_deliveries (organization_id);

CREATE TABLE webhook_attempts (
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    status_code integer,
    succeeded boolean NOT NULL,
    error text,
    duration_ms integer NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (delivery_id, attempt)
);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, attempted_at DESC);
CREATE INDEX webhook_attempts_organization ON webhook_attempts (organization_id);
"""

DOWNGRADE = "DROP TABLE webhook_attempts, webhook_deliveries, webhook_endpoints"


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
