"""SQLModel tables: persistence only. The schema itself is owned by migrations/. The opt-out
tables (states, events, idempotency keys) have no models: only app/opt_outs/repository.py
reads and writes them, over asyncpg, into plain records."""

from app.models.accounts import Account, OptOutList
from app.models.api_keys import ApiKey
from app.models.contacts import Contact, GroupMember
from app.models.groups import Group
from app.models.organizations import Organization

__all__ = [
    "Account",
    "ApiKey",
    "Contact",
    "Group",
    "GroupMember",
    "OptOutList",
    "Organization",
]
