from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """What the hot paths need of an account, read without the ORM."""

    id: UUID
    organization_id: UUID
    list_id: UUID
    opt_out_scope: str
    default_country: str | None
    on_opt_out: str
    send_confirmation: bool
    confirmation_text: str | None  # None: the default (app/keywords/defaults.py)


@dataclass(frozen=True, slots=True)
class AccountKeywords:
    """An account's keyword settings; None for a set or text means the default (app/keywords/defaults.py)."""

    opt_out_keywords: list[str] | None
    opt_in_keywords: list[str] | None
    help_keywords: list[str] | None
    help_text: str | None
