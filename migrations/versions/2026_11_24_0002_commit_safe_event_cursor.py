"""Commit-safe event cursor: each event records its writing transaction's id.

Identity values are taken at insert but become visible at commit, out of order, so a reader
of `id > last_id` can pass over an event whose transaction commits late and never see it. The
feed instead reads events in (xact_id, id) order and only those of transactions older than
the oldest one still running (pg_snapshot_xmin): no event can appear later below that point.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE opt_out_events ADD COLUMN xact_id xid8 NOT NULL DEFAULT pg_current_xact_id()")
    op.execute("DROP INDEX opt_out_events_organization")
    op.execute("CREATE INDEX opt_out_events_feed ON opt_out_events (organization_id, xact_id, id)")
    op.execute("CREATE INDEX opt_out_events_all_feed ON opt_out_events (xact_id, id)")
    op.execute("DROP INDEX opt_out_events_token")
    op.execute("CREATE INDEX opt_out_events_token ON opt_out_events (list_id, token, xact_id, id)")


def downgrade() -> None:
    op.execute("DROP INDEX opt_out_events_token")
    op.execute("CREATE INDEX opt_out_events_token ON opt_out_events (list_id, token, id)")
    op.execute("DROP INDEX opt_out_events_all_feed")
    op.execute("DROP INDEX opt_out_events_feed")
    op.execute("CREATE INDEX opt_out_events_organization ON opt_out_events (organization_id, id)")
    op.execute("ALTER TABLE opt_out_events DROP COLUMN xact_id")
