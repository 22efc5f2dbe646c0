"""API keys that can be rotated and told apart: when each was last used, and until when a key
replaced by a rotation stays valid. A revocation or a shortened validity is announced on the
channel stoplist_api_keys (a NOTIFY sent at commit by the trigger), so that every server process
drops the key at once, open WebSocket connections included; the processes also re-read the
keys they hold on a timer, so nothing depends on the notification arriving.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from migrations.scripts import run_script

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE api_keys
    ADD COLUMN last_used_at timestamptz,
    ADD COLUMN expires_at timestamptz;

CREATE FUNCTION api_keys_announce_withdrawal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('stoplist_api_keys', NEW.id::text);
    RETURN NEW;
END $$;
CREATE TRIGGER api_keys_withdrawn AFTER UPDATE OF revoked_at, expires_at ON api_keys FOR EACH ROW
    WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL OR NEW.expires_at IS DISTINCT FROM OLD.expires_at)
    EXECUTE FUNCTION api_keys_announce_withdrawal();
"""

DOWNGRADE = """
DROP TRIGGER api_keys_withdrawn ON api_keys;
DROP FUNCTION api_keys_announce_withdrawal();
ALTER TABLE api_keys DROP COLUMN expires_at, DROP COLUMN last_used_at;
"""


def upgrade() -> None:
    run_script(UPGRADE)


def downgrade() -> None:
    run_script(DOWNGRADE)
