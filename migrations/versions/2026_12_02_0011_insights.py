"""Opt-out insights: counts per time bucket in the account's time zone.

Each account gets a time zone (an IANA name, UTC by default) in which the buckets of
optOutInsights begin, and the history gets an index by list and time, so that a range of
buckets reads only the events in it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from migrations.scripts import run_script

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE accounts ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';
CREATE INDEX opt_out_events_list_time ON opt_out_events (list_id, occurred_at);
"""

DOWNGRADE = """
DROP INDEX opt_out_events_list_time;
ALTER TABLE accounts DROP COLUMN time_zone;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
