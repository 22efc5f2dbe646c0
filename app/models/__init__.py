"""SQLModel tables: persistence only. The schema itself is owned by migrations/."""

from app.models.accounts import Account, OptOutList
from app.models.api_keys import ApiKey
from app.models.contacts import Contact, GroupMember
from app.models.groups import Group
from app.models.opt_outs import IdempotencyKey, OptOutEvent, OptOutState
from app.models.organizations import Organization

__all__ = [
    "Account",
    "ApiKey",
    "Contact",
    "Group",
    "GroupMember",
    "IdempotencyKey",
    "OptOutEvent",
    "OptOutList",
    "OptOutState",
    "Organization",
]
