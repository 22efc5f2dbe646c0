from dataclasses import dataclass
from uuid import UUID

from app.enums import Role
from app.errors import Forbidden

_WHAT = {Role.WRITER: "change data", Role.ADMIN: "administer the organization"}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is calling: the API key's organization, optional account, and role."""

    organization_id: UUID
    role: Role
    key_id: UUID | None = None
    account_id: UUID | None = None  # set: the key sees this one account only

    def require(self, role: Role, *, what: str | None = None) -> None:
        if self.role.rank < role.rank:
            raise Forbidden(f"This API key's role ({self.role}) cannot {what or _WHAT[role]}.")

    def require_organization_key(self, *, what: str) -> None:
        if self.account_id is not None:
            raise Forbidden(f"An account-scoped API key cannot {what}.")

    def can_see_account(self, account_id: UUID | None) -> bool:
        """None: the organization itself (an organization's API key), which an account's key never sees."""
        return self.account_id is None or self.account_id == account_id

    @classmethod
    def person_on_link(cls, organization_id: UUID, account_id: UUID) -> "Actor":
        """Who acts on an opt-out link's page: the person it was sent to, holding its code. The
        code is bound to one token and channel of one account; no key acts (none is on record)."""
        return cls(organization_id=organization_id, role=Role.WRITER, account_id=account_id)

    def for_message_of(self, account_id: UUID) -> "Actor":
        """Who acts on an inbound message: its sender, through the gateway's key. The message
        speaks for one number of one account, so what it does reaches that account only, and
        only as a writer can, whatever else the gateway's key may do (it stays on record)."""
        return Actor(organization_id=self.organization_id, role=Role.WRITER, key_id=self.key_id, account_id=account_id)
