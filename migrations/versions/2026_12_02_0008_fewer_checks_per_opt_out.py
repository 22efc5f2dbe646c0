"""Fewer foreign-key checks per opt-out row: each costs PostgreSQL about as much as an index
entry, once a row, and an upload of a million numbers writes two million rows.

- opt_out_states: one check of (list_id, organization_id) against opt_out_lists, for the two of
  list_id and organization_id apart; it also holds that the list is the organization's.
- opt_out_events: one check of (account_id, organization_id) against accounts, for the three of
  organization_id, list_id and account_id apart. The event's list needs none of its own: every
  event is written by the statement that writes its state (app/opt_outs/repository.py), from the
  state's row, which the states' check has passed. api_key_id keeps its own.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from migrations.scripts import run_script

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE opt_out_lists ADD CONSTRAINT opt_out_lists_id_organization UNIQUE (id, organization_id);
ALTER TABLE accounts ADD CONSTRAINT accounts_id_organization UNIQUE (id, organization_id);
ALTER TABLE opt_out_states
    ADD CONSTRAINT opt_out_states_list_of_organization FOREIGN KEY (list_id, organization_id)
        REFERENCES opt_out_lists (id, organization_id);
ALTER TABLE opt_out_events
    ADD CONSTRAINT opt_out_events_account_of_organization FOREIGN KEY (account_id, organization_id)
        REFERENCES accounts (id, organization_id);
ALTER TABLE opt_out_states
    DROP CONSTRAINT opt_out_states_organization_id_fkey,
    DROP CONSTRAINT opt_out_states_list_id_fkey;
ALTER TABLE opt_out_events
    DROP CONSTRAINT opt_out_events_organization_id_fkey,
    DROP CONSTRAINT opt_out_events_list_id_fkey,
    DROP CONSTRAINT opt_out_events_account_id_fkey;
"""

DOWNGRADE = """
ALTER TABLE opt_out_states
    ADD FOREIGN KEY (organization_id) REFERENCES organizations(id),
    ADD FOREIGN KEY (list_id) REFERENCES opt_out_lists(id),
    DROP CONSTRAINT opt_out_states_list_of_organization;
ALTER TABLE opt_out_events
    ADD FOREIGN KEY (organization_id) REFERENCES organizations(id),
    ADD FOREIGN KEY (list_id) REFERENCES opt_out_lists(id),
    ADD FOREIGN KEY (account_id) REFERENCES accounts(id),
    DROP CONSTRAINT opt_out_events_account_of_organization;
ALTER TABLE accounts DROP CONSTRAINT accounts_id_organization;
ALTER TABLE opt_out_lists DROP CONSTRAINT opt_out_lists_id_organization;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
