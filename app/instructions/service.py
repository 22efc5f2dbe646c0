"""Opt-out instructions: the text an account appends to a promotional SMS, per recipient country,
with an account-wide default. `{link}` in a text stands for the recipient's own opt-out link."""

from uuid import UUID

from app import tokens
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import Role
from app.errors import InvalidInput
from app.instructions import repository

DEFAULT_COUNTRY = "*"  # the account-wide default, for a country with none of its own
LINK = "{link}"
# One GSM-7 part: an instruction that took more would cost every message a part of its own.
MAX_TEXT_LENGTH = 160


def _country(raw: str) -> str:
    return DEFAULT_COUNTRY if raw.strip() == DEFAULT_COUNTRY else tokens.normalise_country(raw, field="country")


def _clean_text(value: str) -> str:
    text = " ".join(value.split())
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput(
            f"The text is {len(text)} characters long; at most {MAX_TEXT_LENGTH} are allowed.", field="text"
        )
    return text


class InstructionService:
    async def set(self, uow: UnitOfWork, actor: Actor, account_id: UUID, country: str, text: str) -> None:
        """Sets a country's text ("*": the default); an empty text removes it."""
        actor.require(Role.ADMIN, what="change an account's opt-out instructions")
        account = await account_service.settings(uow, actor, account_id)
        code, clean = _country(country), _clean_text(text)
        if clean:
            await repository.set_text(uow.connection, actor.organization_id, account.id, code, clean)
        else:
            await repository.clear(uow.connection, actor.organization_id, account.id, code)

    async def all_of(self, uow: UnitOfWork, actor: Actor, account_id: UUID) -> dict[str, str]:
        account = await account_service.settings(uow, actor, account_id)
        return await repository.all_of(uow.connection, actor.organization_id, account.id)


instruction_service = InstructionService()


def template_for(instructions: dict[str, str], country: str | None, *, sender_takes_replies: bool) -> str:
    """The text for a recipient in `country`: its own, else the default, else just the link. A
    sender that cannot take replies (alphanumeric) gets the link, unless the text has it."""
    text = instructions.get(country or "") or instructions.get(DEFAULT_COUNTRY)
    if text is None or (not sender_takes_replies and LINK not in text):
        return LINK
    return text


def sender_takes_replies(sender: str | None) -> bool:
    """A number (a short code or an MSISDN) can be replied to; an alphanumeric sender ID cannot."""
    return sender is None or not any(character.isalpha() for character in sender)
