"""Inbound keywords and outbound messages.

- accounts: their keyword sets and texts. NULL means the defaults (app/keywords/defaults.py),
  so improving the defaults reaches every account that kept them.
- inbound_messages: every message a gateway posted and what it triggered (the incoming
  report). A gateway's retry of one message (same messageId) is recognised, not applied twice.
- outbound_messages: the outbox of messages Stoplist sends (opt-out confirmations): written in
  the transaction of the opt-out they confirm, sent by a worker that claims each due row for a
  lease (so with any number of processes one sends it, and after a crash another sends it once
  the lease has run out), retried with backoff.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from migrations.scripts import run_script

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE accounts
    ADD COLUMN opt_out_keywords text[],
    ADD COLUMN opt_in_keywords text[],
    ADD COLUMN help_keywords text[],
    ADD COLUMN help_text text,
    ADD COLUMN confirmation_text text;

CREATE TABLE inbound_messages (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid NOT NULL REFERENCES accounts(id),
    sender text NOT NULL,
    recipient text NOT NULL,
    body text NOT NULL,
    gateway_message_id text,
    action text NOT NULL CHECK (action IN ('OPT_OUT', 'OPT_IN', 'HELP', 'NONE')),
    needs_review boolean NOT NULL DEFAULT false,
    reason text,
    reply text,
    received_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbound_messages_account ON inbound_messages (account_id, received_at DESC, id DESC);
CREATE INDEX inbound_messages_review ON inbound_messages (account_id, received_at DESC, id DESC) WHERE needs_review;
CREATE UNIQUE INDEX inbound_messages_gateway_id ON inbound_messages (account_id, gateway_message_id)
    WHERE gateway_message_id IS NOT NULL;
CREATE INDEX inbound_messages_organization ON inbound_messages (organization_id);

CREATE TABLE outbound_messages (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid NOT NULL REFERENCES accounts(id),
    recipient text NOT NULL,
    body text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('CONFIRMATION')),
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'SENT', 'FAILED')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error text,
    created_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz
);
CREATE INDEX outbound_messages_due ON outbound_messages (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX outbound_messages_account ON outbound_messages (account_id, created_at DESC, id DESC);
CREATE INDEX outbound_messages_organization ON outbound_messages (organization_id);
"""

DOWNGRADE = """
DROP TABLE outbound_messages, inbound_messages;
ALTER TABLE accounts
    DROP COLUMN opt_out_keywords,
    DROP COLUMN opt_in_keywords,
    DROP COLUMN help_keywords,
    DROP COLUMN help_text,
    DROP COLUMN confirmation_text;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
