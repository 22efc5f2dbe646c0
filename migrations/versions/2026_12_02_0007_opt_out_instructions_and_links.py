"""Sender tools: opt-out instructions per country, and opt-out link codes.

- opt_out_instructions: the text an account appends to a promotional SMS, per recipient
  country (ISO 3166 alpha-2), or '*' for the account-wide default used where the country has
  none.
- opt_out_links: a short unguessable code (app/links/codes.py) for one (account, token,
  channel); the same triple always gets the same code, so a link sent last year still works
  and a re-sent campaign does not mint new ones. The token is stored normalised (E.164 or
  lower-case e-mail), as opt-outs are.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

from migrations.scripts import run_script

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

UPGRADE = """
CREATE TABLE opt_out_instructions (
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid NOT NULL REFERENCES accounts(id),
    country text NOT NULL CHECK (country = '*' OR country ~ '^[A-Z]{2}$'),
    text text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, country)
);
CREATE INDEX opt_out_instructions_organization ON opt_out_instructions (organization_id);

CREATE TABLE opt_out_links (
    code text PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid NOT NULL REFERENCES accounts(id),
    token text NOT NULL,
    channel text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, channel, token)
);
CREATE INDEX opt_out_links_organization ON opt_out_links (organization_id);
"""

DOWNGRADE = "DROP TABLE opt_out_links, opt_out_instructions"


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
