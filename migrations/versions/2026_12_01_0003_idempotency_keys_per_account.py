"""Idempotency keys belong to the account a call is made through, not to the organization.

Keyed by organization, a key used through one account was visible to every other account of
the organization (a reuse there was refused as IDEMPOTENCY_KEY_REUSED, which told an
account-scoped key that a sibling had used it) and could not be used there for its own call.

Existing keys (at most a day old: they are purged after 24 hours) take the account of their
first event. A key whose call changed nothing recorded no event and so no account; it is
dropped, and a retry of that call within the day runs once more.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE idempotency_keys ADD COLUMN account_id uuid")
    op.execute(
        "UPDATE idempotency_keys AS claim SET account_id = event.account_id FROM opt_out_events AS event"
        " WHERE event.organization_id = claim.organization_id AND event.id = claim.event_ids[1]"
    )
    op.execute("DELETE FROM idempotency_keys WHERE account_id IS NULL")
    op.execute("ALTER TABLE idempotency_keys ALTER COLUMN account_id SET NOT NULL")
    op.execute("ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey")
    op.execute("ALTER TABLE idempotency_keys ADD PRIMARY KEY (organization_id, account_id, key)")


def downgrade() -> None:
    # Keys of one organization used through several accounts cannot all stay: keep the oldest.
    op.execute(
        "DELETE FROM idempotency_keys AS later USING idempotency_keys AS earlier"
        " WHERE later.organization_id = earlier.organization_id AND later.key = earlier.key"
        " AND (later.created_at, later.account_id) > (earlier.created_at, earlier.account_id)"
    )
    op.execute("ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey")
    op.execute("ALTER TABLE idempotency_keys ADD PRIMARY KEY (organization_id, key)")
    op.execute("ALTER TABLE idempotency_keys DROP COLUMN account_id")
