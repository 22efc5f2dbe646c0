from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from app import models
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import Role
from app.errors import InvalidInput, TooMany, quoted
from app.keywords import defaults
from app.keywords.matching import KeywordSets, normalised

MAX_KEYWORDS = 50
MAX_KEYWORD_LENGTH = 40
# Three SMS segments of GSM-7: a reply longer than that costs the sender, and the recipient reads it.
MAX_TEXT_LENGTH = 459

_UNSET = object()


@dataclass
class KeywordChanges:
    """What updateKeywords changes: a list or text given replaces the account's; None for a text
    or list puts the default back; _UNSET (omitted) keeps it as it is."""

    opt_out: list[str] | None | object = _UNSET
    opt_in: list[str] | None | object = _UNSET
    help: list[str] | None | object = _UNSET
    help_text: str | None | object = _UNSET
    confirmation_text: str | None | object = _UNSET


class HasKeywords(Protocol):
    """An account's keyword columns: an `models.Account` or an `AccountKeywords`."""

    @property
    def opt_out_keywords(self) -> list[str] | None: ...
    @property
    def opt_in_keywords(self) -> list[str] | None: ...
    @property
    def help_keywords(self) -> list[str] | None: ...
    @property
    def help_text(self) -> str | None: ...


def keyword_sets(account: HasKeywords) -> KeywordSets:
    return KeywordSets(
        opt_out=tuple(account.opt_out_keywords) if account.opt_out_keywords is not None else defaults.OPT_OUT,
        opt_in=tuple(account.opt_in_keywords) if account.opt_in_keywords is not None else defaults.OPT_IN,
        help=tuple(account.help_keywords) if account.help_keywords is not None else defaults.HELP,
    )


def help_text(account: HasKeywords) -> str:
    return account.help_text or defaults.HELP_TEXT


def confirmation_text(text: str | None) -> str:
    return text or defaults.CONFIRMATION_TEXT


def _clean_keywords(values: list[str], field: str) -> list[str]:
    if len(values) > MAX_KEYWORDS:
        raise TooMany(f"{len(values)} keywords in {field}; at most {MAX_KEYWORDS} are allowed.", field=field)
    cleaned: list[str] = []
    seen: set[str] = set()  # normalised: "Stop" and "STOP!" are one keyword, kept once
    for index, value in enumerate(values):
        keyword = " ".join(value.split())
        word = normalised(keyword)
        if not word or len(keyword) > MAX_KEYWORD_LENGTH:
            raise InvalidInput(
                f"{quoted(value)} is not a keyword: 1 to {MAX_KEYWORD_LENGTH} characters with a letter or digit.",
                field=f"{field}.{index}",
            )
        if word not in seen:
            seen.add(word)
            cleaned.append(keyword)
    return cleaned


def _clean_text(value: str, field: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput(
            f"The {field} is {len(text)} characters long; it must be 1 to {MAX_TEXT_LENGTH}.", field=field
        )
    return text


# (GraphQL argument, KeywordChanges attribute, accounts column)
_KEYWORD_FIELDS = (
    ("optOut", "opt_out", "opt_out_keywords"),
    ("optIn", "opt_in", "opt_in_keywords"),
    ("help", "help", "help_keywords"),
)


class KeywordService:
    async def update(self, uow: UnitOfWork, actor: Actor, account_id: UUID, changes: KeywordChanges) -> models.Account:
        actor.require(Role.ADMIN, what="change an account's keywords")
        account = await account_service.get(uow, actor, account_id)
        for field, change, column in _KEYWORD_FIELDS:
            value = getattr(changes, change)
            if value is not _UNSET:
                setattr(account, column, _clean_keywords(value, field) if isinstance(value, list) else None)
        for name, attribute in (("helpText", "help_text"), ("confirmationText", "confirmation_text")):
            value = getattr(changes, attribute)
            if value is not _UNSET:
                setattr(account, attribute, _clean_text(value, name) if isinstance(value, str) else None)
        self._refuse_overlaps(keyword_sets(account))
        uow.session.add(account)
        await uow.session.flush()
        return account

    @staticmethod
    def _refuse_overlaps(sets: KeywordSets) -> None:
        seen: dict[str, str] = {}
        for name, keywords in (("optOut", sets.opt_out), ("optIn", sets.opt_in), ("help", sets.help)):
            for keyword in keywords:
                other = seen.setdefault(normalised(keyword), name)
                if other != name:
                    raise InvalidInput(
                        f"The keyword {quoted(keyword)} is in both {other} and {name}: a reply must mean one thing.",
                        field=name,
                    )


keyword_service = KeywordService()
