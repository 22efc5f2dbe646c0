"""The whole initial schema: tenants, keys, address book, opt-out lists, history.

Every table carries organization_id, so the data can later be sharded by organization.
Enumerations are text with CHECK constraints: adding a value is a one-line migration.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from migrations.scripts import run_script

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CHANNELS = "('SMS', 'WHATSAPP', 'VOICE', 'RCS', 'EMAIL')"
TOKEN_TYPES = "('MSISDN', 'EMAIL')"
SCOPES = "('ORGANIZATION', 'ACCOUNT')"
SOURCES = "('API', 'DASHBOARD', 'KEYWORD', 'LINK', 'IMPORT', 'UPLOAD')"

UPGRADE = f"""
CREATE TABLE organizations (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- An opt-out list: the organization's (account_id NULL) or one account's own.
CREATE TABLE opt_out_lists (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX opt_out_lists_organization_list ON opt_out_lists (organization_id) WHERE account_id IS NULL;
CREATE UNIQUE INDEX opt_out_lists_account_list ON opt_out_lists (account_id) WHERE account_id IS NOT NULL;

CREATE TABLE accounts (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    opt_out_scope text NOT NULL DEFAULT 'ORGANIZATION' CHECK (opt_out_scope IN {SCOPES}),
    default_country char(2),
    on_opt_out text NOT NULL DEFAULT 'KEEP' CHECK (on_opt_out IN ('KEEP', 'REMOVE_FROM_GROUPS', 'DELETE_CONTACT')),
    send_confirmation boolean NOT NULL DEFAULT false,
    -- The list this account's opt-outs go to and its audiences are filtered by.
    list_id uuid NOT NULL REFERENCES opt_out_lists(id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_organization ON accounts (organization_id, created_at, id);
ALTER TABLE opt_out_lists ADD FOREIGN KEY (account_id) REFERENCES accounts(id) DEFERRABLE INITIALLY DEFERRED;

CREATE TABLE api_keys (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid REFERENCES accounts(id),
    role text NOT NULL CHECK (role IN ('admin', 'writer', 'reader')),
    -- Only a keyed SHA-256 of the key is kept; the key itself is shown once, at creation.
    key_hash bytea NOT NULL UNIQUE,
    key_prefix text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX api_keys_organization ON api_keys (organization_id);

CREATE TABLE contacts (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid NOT NULL REFERENCES accounts(id),
    msisdn text CHECK (msisdn ~ '^\\+[1-9][0-9]{{1,16}}$'),
    email text CHECK (email = lower(email)),
    first_name text,
    last_name text,
    custom_fields jsonb NOT NULL DEFAULT '{{}}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contacts_account_order ON contacts (account_id, created_at, id);
-- Audiences walk the address book in token order (keyset pages, deduplicated by token).
CREATE INDEX contacts_account_msisdn ON contacts (account_id, msisdn, id) WHERE msisdn IS NOT NULL;
CREATE INDEX contacts_account_email ON contacts (account_id, email, id) WHERE email IS NOT NULL;
CREATE INDEX contacts_organization ON contacts (organization_id);

CREATE TABLE groups (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    account_id uuid NOT NULL REFERENCES accounts(id),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    bypass_opt_out boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, name)
);
CREATE INDEX groups_organization ON groups (organization_id);

-- A membership carries its contact's tokens, so an audience page is a merge of per-group scans
-- in token order (about groups x page size index entries, however large or sparse the groups).
CREATE TABLE group_members (
    organization_id uuid NOT NULL REFERENCES organizations(id),
    group_id uuid NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    contact_id uuid NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    msisdn text,
    email text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contact_id, group_id)
);
CREATE INDEX group_members_group ON group_members (group_id, contact_id);
CREATE INDEX group_members_msisdn ON group_members (group_id, msisdn, contact_id) WHERE msisdn IS NOT NULL;
CREATE INDEX group_members_email ON group_members (group_id, email, contact_id) WHERE email IS NOT NULL;

-- The copies follow the contact whatever code path changes its tokens.
CREATE FUNCTION group_members_follow_contact() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE group_members SET msisdn = NEW.msisdn, email = NEW.email WHERE contact_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER contacts_tokens_follow AFTER UPDATE OF msisdn, email ON contacts FOR EACH ROW
    WHEN (OLD.msisdn IS DISTINCT FROM NEW.msisdn OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION group_members_follow_contact();

-- The current state per (list, channel, token); the history lives in opt_out_events.
CREATE TABLE opt_out_states (
    organization_id uuid NOT NULL REFERENCES organizations(id),
    list_id uuid NOT NULL REFERENCES opt_out_lists(id),
    channel text NOT NULL CHECK (channel IN {CHANNELS}),
    token text NOT NULL,
    token_type text NOT NULL CHECK (token_type IN {TOKEN_TYPES}),
    opted_out boolean NOT NULL,
    since timestamptz NOT NULL,
    reason text,
    PRIMARY KEY (list_id, channel, token)
);
CREATE INDEX opt_out_states_opted_out ON opt_out_states (list_id, token_type, channel, token) WHERE opted_out;

-- Append-only; the identity is the monotonic cursor of the feed and of history pages.
CREATE TABLE opt_out_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations(id),
    list_id uuid NOT NULL REFERENCES opt_out_lists(id),
    account_id uuid NOT NULL REFERENCES accounts(id),
    scope text NOT NULL CHECK (scope IN {SCOPES}),
    token text NOT NULL,
    token_type text NOT NULL CHECK (token_type IN {TOKEN_TYPES}),
    channel text NOT NULL CHECK (channel IN {CHANNELS}),
    action text NOT NULL CHECK (action IN ('OPT_OUT', 'OPT_IN')),
    source text NOT NULL CHECK (source IN {SOURCES}),
    reason text,
    api_key_id uuid REFERENCES api_keys(id),
    occurred_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX opt_out_events_token ON opt_out_events (list_id, token, id);
CREATE INDEX opt_out_events_organization ON opt_out_events (organization_id, id);

CREATE TABLE idempotency_keys (
    organization_id uuid NOT NULL REFERENCES organizations(id),
    key text NOT NULL,
    operation text NOT NULL,
    fingerprint text NOT NULL,
    event_ids bigint[] NOT NULL DEFAULT '{{}}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
"""

DOWNGRADE = """
DROP TABLE idempotency_keys, opt_out_events, opt_out_states, group_members, groups, contacts, api_keys;
ALTER TABLE opt_out_lists DROP CONSTRAINT IF EXISTS opt_out_lists_account_id_fkey;
DROP TABLE accounts, opt_out_lists, organizations;
DROP FUNCTION group_members_follow_contact();
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
