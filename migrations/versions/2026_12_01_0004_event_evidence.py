"""Evidence on opt-out events: how each was made, where there is something to keep.

The inbound reply that triggered it and the gateway's message id, the campaign, the opt-out
link, the IP address and user agent of a person on a link page, the consent evidence of an
import that resets an opt-out. One jsonb column, NULL where there is nothing: the keys differ
by source, none is searched on, and the history is append-only, so nothing is ever updated.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE opt_out_events ADD COLUMN evidence jsonb")


def downgrade() -> None:
    op.execute("ALTER TABLE opt_out_events DROP COLUMN evidence")
