"""Consent per campaign type, its first part: each account's consent topics (the "campaign
types": promotions, product news, reminders...) with the channels each covers and how many days
a consent to it holds.

A topic is retired, never deleted: consents given to it stay provable. Names are unique among an
account's topics in use, so a retired topic's name can be given to a new one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from migrations.scripts import run_script

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE consent_topics (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid NOT NULL REFERENCES accounts(id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    channels text[] NOT NULL CHECK (cardinality(channels) > 0),
    valid_for_days integer CHECK (valid_for_days BETWEEN 1 AND 36500),
    retired boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX consent_topics_name_in_use ON consent_topics (account_id, lower(name)) WHERE NOT retired;
"""

DOWNGRADE = """
DROP TABLE consent_topics;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
