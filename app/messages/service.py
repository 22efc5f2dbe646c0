"""Sender tools: the opt-out instruction for a recipient, and promotional SMS made ready to send,
one or a thousand at a time, each with its own link where it needs one."""

from dataclasses import dataclass
from uuid import UUID

from app import tokens
from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel
from app.errors import DomainError, InvalidInput, TooMany, quoted
from app.instructions import repository as instructions
from app.instructions.service import LINK, sender_takes_replies, template_for
from app.keywords.service import keyword_sets
from app.links.service import link_service, url
from app.messages.prepare import BodyPreparation, Prepared
from app.text import storable

MAX_RECIPIENTS = 1_000
# Ten GSM-7 parts and more: what gateways take in one message (Twilio's limit). A bound on the
# answer too, which repeats the body for every recipient.
MAX_BODY_LENGTH = 1_600
MAX_SENDER_LENGTH = 16  # an MSISDN of 15 digits and its +; alphanumeric sender IDs take 11


@dataclass(frozen=True, slots=True)
class PreparedFor:
    """One recipient's message, or why there is none."""

    to: str  # as given
    message: Prepared | None = None
    error: DomainError | None = None


def _clean_sender(sender: str | None) -> str | None:
    if sender is None:
        return None
    text = sender.strip()
    if not text or len(text) > MAX_SENDER_LENGTH:
        raise InvalidInput(
            f"{quoted(sender)} is not a sender: a number or an alphanumeric ID of 1 to {MAX_SENDER_LENGTH} characters.",
            field="sender",
        )
    return text


class MessageService:
    async def instruction(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account_id: UUID,
        phone_number: str,
        *,
        sender: str | None,
        links_base: str,
    ) -> str:
        takes_replies = sender_takes_replies(_clean_sender(sender))
        account = await account_service.settings(uow, actor, account_id)
        number = tokens.normalise_msisdn(phone_number, account.default_country, field="phoneNumber")
        _, [text] = await self._instructions(uow, account, [number], takes_replies, links_base)
        return text

    async def prepare_one(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account_id: UUID,
        to: str,
        body: str,
        *,
        sender: str | None,
        links_base: str,
    ) -> Prepared:
        [result] = await self._prepare(uow, actor, account_id, body, [to], ["to"], sender, links_base)
        if result.error is not None:
            raise result.error
        assert result.message is not None
        return result.message

    async def prepare_many(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account_id: UUID,
        body: str,
        recipients: list[str],
        *,
        sender: str | None,
        links_base: str,
    ) -> list[PreparedFor]:
        """In the order given; a bad number is reported in its place, as `to.<index>`."""
        if len(recipients) > MAX_RECIPIENTS:
            raise TooMany(f"{len(recipients):,} recipients; at most {MAX_RECIPIENTS:,} are allowed.", field="to")
        fields = [f"to.{index}" for index in range(len(recipients))]
        return await self._prepare(uow, actor, account_id, body, recipients, fields, sender, links_base)

    async def _prepare(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account_id: UUID,
        body: str,
        recipients: list[str],
        fields: list[str],
        sender: str | None,
        links_base: str,
    ) -> list[PreparedFor]:
        takes_replies = sender_takes_replies(_clean_sender(sender))
        storable(body, field="body", max_length=MAX_BODY_LENGTH)
        account, keywords = await account_service.settings_and_keywords(uow, actor, account_id)
        preparation = BodyPreparation(body, keyword_sets(keywords).opt_out)
        results: list[PreparedFor] = []
        numbers: dict[int, str] = {}  # index of each good number -> its E.164 form
        for index, (to, field) in enumerate(zip(recipients, fields, strict=True)):
            try:
                numbers[index] = tokens.normalise_msisdn(to, account.default_country, field=field)
            except DomainError as error:
                results.append(PreparedFor(to, error=error))
                continue
            results.append(PreparedFor(to))
        if preparation.has_stop_clause:
            unchanged = preparation.unchanged()
            return [result if result.error else PreparedFor(result.to, unchanged) for result in results]
        templates, texts = await self._instructions(uow, account, list(numbers.values()), takes_replies, links_base)
        for index, text, template in zip(numbers, texts, templates, strict=True):
            results[index] = PreparedFor(results[index].to, preparation.with_instruction(text, alike=template))
        return results

    async def _instructions(
        self, uow: UnitOfWork, account: AccountSettings, numbers: list[str], takes_replies: bool, links_base: str
    ) -> tuple[list[str], list[str]]:
        """Each number's instruction as configured (`{link}` in it), and as sent, with its own link."""
        configured = await instructions.all_of(uow.connection, account.organization_id, account.id)
        templates = [
            template_for(configured, tokens.country_of(number), sender_takes_replies=takes_replies)
            for number in numbers
        ]
        linked = [number for number, template in zip(numbers, templates, strict=True) if LINK in template]
        if not linked:
            return templates, templates
        found = await link_service.codes_for(uow, account.organization_id, account.id, Channel.SMS, linked)
        texts = [
            template.replace(LINK, url(links_base, found[number])) if LINK in template else template
            for number, template in zip(numbers, templates, strict=True)
        ]
        return templates, texts


message_service = MessageService()
