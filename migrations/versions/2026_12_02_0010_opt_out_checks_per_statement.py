"""An opt-out row's parents checked once per statement, not once per row.

A foreign key is checked by a query per row; an upload writes a state and an event for each of
a million numbers, and those three checks a row were half of PostgreSQL's work on it (a probe:
28 µs a row with them, 14 without). The same rules hold now by triggers:

- After each statement that inserts states or events, one query over the rows it inserted (a
  transition table) finds any whose parent is missing: a state's list must be of its
  organization, an event's account too, and its API key, if any, as well (stronger than the key's
  own foreign key was). The parents found are locked FOR KEY SHARE, as a foreign key's check
  locks them, so a concurrent delete waits for the insert's transaction.
- A state's list and organization, and an event's account, organization and key, never change.
- A list, account or API key with such rows is not deleted, nor its id or organization changed.
  Nothing deletes them (opt-outs are kept for ever); the check for an account or a key scans its
  organization's events, as there is no index of them by account or key, and that is fine for
  something that only an operator by hand would try.

Violations raise foreign_key_violation (SQLSTATE 23503), as the foreign keys did.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from migrations.scripts import run_script

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE opt_out_states DROP CONSTRAINT opt_out_states_list_of_organization;
ALTER TABLE opt_out_events
    DROP CONSTRAINT opt_out_events_account_of_organization,
    DROP CONSTRAINT opt_out_events_api_key_id_fkey;

CREATE FUNCTION opt_out_states_parents_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing record;
BEGIN
    SELECT wanted.list_id, wanted.organization_id INTO missing
    FROM (SELECT DISTINCT list_id, organization_id FROM added) AS wanted
    LEFT JOIN LATERAL (
        SELECT true AS found FROM opt_out_lists AS parent
        WHERE parent.id = wanted.list_id AND parent.organization_id = wanted.organization_id
        FOR KEY SHARE
    ) AS parent ON true
    WHERE parent.found IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING MESSAGE = format(
            'opt_out_states: list %s is no list of organization %s', missing.list_id, missing.organization_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER opt_out_states_parents_exist AFTER INSERT ON opt_out_states
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION opt_out_states_parents_exist();

CREATE FUNCTION opt_out_events_parents_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing record;
BEGIN
    SELECT wanted.account_id, wanted.organization_id INTO missing
    FROM (SELECT DISTINCT account_id, organization_id FROM added) AS wanted
    LEFT JOIN LATERAL (
        SELECT true AS found FROM accounts AS parent
        WHERE parent.id = wanted.account_id AND parent.organization_id = wanted.organization_id
        FOR KEY SHARE
    ) AS parent ON true
    WHERE parent.found IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING MESSAGE = format(
            'opt_out_events: account %s is no account of organization %s', missing.account_id, missing.organization_id);
    END IF;
    SELECT wanted.api_key_id, wanted.organization_id INTO missing
    FROM (SELECT DISTINCT api_key_id, organization_id FROM added WHERE api_key_id IS NOT NULL) AS wanted
    LEFT JOIN LATERAL (
        SELECT true AS found FROM api_keys AS parent
        WHERE parent.id = wanted.api_key_id AND parent.organization_id = wanted.organization_id
        FOR KEY SHARE
    ) AS parent ON true
    WHERE parent.found IS NULL
    LIMIT 1;
    IF FOUND THEN
        RAISE foreign_key_violation USING MESSAGE = format(
            'opt_out_events: API key %s is no key of organization %s', missing.api_key_id, missing.organization_id);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER opt_out_events_parents_exist AFTER INSERT ON opt_out_events
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION opt_out_events_parents_exist();

CREATE FUNCTION opt_out_parents_are_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE foreign_key_violation USING MESSAGE = format('%s: a row''s parents never change', TG_TABLE_NAME);
END $$;
CREATE TRIGGER opt_out_states_parents_fixed BEFORE UPDATE ON opt_out_states FOR EACH ROW
    WHEN (NEW.list_id IS DISTINCT FROM OLD.list_id OR NEW.organization_id IS DISTINCT FROM OLD.organization_id)
    EXECUTE FUNCTION opt_out_parents_are_fixed();
CREATE TRIGGER opt_out_events_parents_fixed BEFORE UPDATE ON opt_out_events FOR EACH ROW
    WHEN (NEW.account_id IS DISTINCT FROM OLD.account_id OR NEW.organization_id IS DISTINCT FROM OLD.organization_id
          OR NEW.api_key_id IS DISTINCT FROM OLD.api_key_id)
    EXECUTE FUNCTION opt_out_parents_are_fixed();

CREATE FUNCTION opt_out_parent_kept() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    referenced boolean;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.organization_id = OLD.organization_id THEN
        RETURN NEW;  -- named in the SET list, but unchanged
    END IF;
    IF TG_TABLE_NAME = 'opt_out_lists' THEN
        referenced := EXISTS (SELECT FROM opt_out_states WHERE list_id = OLD.id);
    ELSIF TG_TABLE_NAME = 'accounts' THEN
        referenced := EXISTS (
            SELECT FROM opt_out_events WHERE organization_id = OLD.organization_id AND account_id = OLD.id);
    ELSE
        referenced := EXISTS (
            SELECT FROM opt_out_events WHERE organization_id = OLD.organization_id AND api_key_id = OLD.id);
    END IF;
    IF referenced THEN
        RAISE foreign_key_violation USING MESSAGE = format(
            '%s %s has opt-out history, which is kept for ever', TG_TABLE_NAME, OLD.id);
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER opt_out_lists_kept BEFORE DELETE OR UPDATE OF id, organization_id ON opt_out_lists
    FOR EACH ROW EXECUTE FUNCTION opt_out_parent_kept();
CREATE TRIGGER accounts_kept BEFORE DELETE OR UPDATE OF id, organization_id ON accounts
    FOR EACH ROW EXECUTE FUNCTION opt_out_parent_kept();
CREATE TRIGGER api_keys_kept BEFORE DELETE OR UPDATE OF id, organization_id ON api_keys
    FOR EACH ROW EXECUTE FUNCTION opt_out_parent_kept();
"""

DOWNGRADE = """
DROP TRIGGER api_keys_kept ON api_keys;
DROP TRIGGER accounts_kept ON accounts;
DROP TRIGGER opt_out_lists_kept ON opt_out_lists;
DROP FUNCTION opt_out_parent_kept();
DROP TRIGGER opt_out_events_parents_fixed ON opt_out_events;
DROP TRIGGER opt_out_states_parents_fixed ON opt_out_states;
DROP FUNCTION opt_out_parents_are_fixed();
DROP TRIGGER opt_out_events_parents_exist ON opt_out_events;
DROP FUNCTION opt_out_events_parents_exist();
DROP TRIGGER opt_out_states_parents_exist ON opt_out_states;
DROP FUNCTION opt_out_states_parents_exist();
ALTER TABLE opt_out_events
    ADD CONSTRAINT opt_out_events_api_key_id_fkey FOREIGN KEY (api_key_id) REFERENCES api_keys(id),
    ADD CONSTRAINT opt_out_events_account_of_organization FOREIGN KEY (account_id, organization_id)
        REFERENCES accounts (id, organization_id);
ALTER TABLE opt_out_states
    ADD CONSTRAINT opt_out_states_list_of_organization FOREIGN KEY (list_id, organization_id)
        REFERENCES opt_out_lists (id, organization_id);
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
