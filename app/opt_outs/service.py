import hashlib
import json
from collections import Counter as Tally
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID

from app import metrics, models, tokens
from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.contacts.service import contact_service
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel, OptOutAction, OptOutSource, Role, TokenType
from app.errors import DomainError, IdempotencyKeyReused, InvalidInput, TooMany, quoted
from app.opt_outs.cursor import START, EventPosition
from app.opt_outs.records import EventRecord, Evidence
from app.opt_outs.repository import OptOutRepository
from app.outbound.service import outbound_service
from app.pagination import Page, build_page, decode_cursor, encode_cursor, one_of, page_size, text
from app.read_ahead import keyset_batches
from app.webhooks.service import webhook_service

MAX_CHECK_TOKENS = 10_000
MAX_REASON_LENGTH = 1_000
MAX_CAMPAIGN_LENGTH = 200
# A person asked, so a person is told: never for a list someone imported or uploaded.
CONFIRMED_SOURCES = frozenset({OptOutSource.KEYWORD, OptOutSource.LINK, OptOutSource.API, OptOutSource.DASHBOARD})
MAX_IDEMPOTENCY_KEY_LENGTH = 255
# Keys are honoured for at least this long; the purge removes them only after it.
IDEMPOTENCY_KEY_HOURS = 24


@dataclass(frozen=True)
class OptOutCommand:
    account_id: UUID
    token: str
    channels: list[Channel]
    reason: str | None = None
    source: OptOutSource = OptOutSource.API
    idempotency_key: str | None = None
    evidence: Evidence = Evidence()

    def fingerprint(self, action: OptOutAction) -> str:
        canonical = [
            action,
            str(self.account_id),
            self.token,
            sorted(set(self.channels)),
            self.reason,
            self.source,
            # Only when there is some: keys taken before evidence existed keep their fingerprints.
            *([evidence] if (evidence := self.evidence.to_json()) else []),
        ]
        return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """One answer of a send-time check or of a contact's status; `error` is set for a bad input."""

    input: str
    token: str
    token_type: TokenType
    channel: Channel
    opted_out: bool
    since: datetime | None = None
    reason: str | None = None
    error: DomainError | None = None


class OptOutService:
    async def opt_out(
        self, uow: UnitOfWork, actor: Actor, command: OptOutCommand, *, account: AccountSettings | None = None
    ) -> list[EventRecord]:
        """`account`: the command's account, when the caller has read it in this unit already."""
        return await self._change(uow, actor, command, OptOutAction.OPT_OUT, account)

    async def opt_in(
        self, uow: UnitOfWork, actor: Actor, command: OptOutCommand, *, account: AccountSettings | None = None
    ) -> list[EventRecord]:
        return await self._change(uow, actor, command, OptOutAction.OPT_IN, account)

    async def _change(
        self,
        uow: UnitOfWork,
        actor: Actor,
        command: OptOutCommand,
        action: OptOutAction,
        account: AccountSettings | None,
    ) -> list[EventRecord]:
        actor.require(Role.WRITER, what="change opt-outs")
        if (
            account is None
            or (account.id, account.organization_id) != (command.account_id, actor.organization_id)
            or not actor.can_see_account(account.id)
        ):
            account = await account_service.settings(uow, actor, command.account_id, field="input.accountId")
        if not command.channels:
            raise InvalidInput("Name at least one channel.", field="input.channels")
        campaign = command.evidence.campaign
        if campaign is not None and len(campaign) > MAX_CAMPAIGN_LENGTH:
            raise InvalidInput(
                f"The campaign is {len(campaign)} characters long; at most {MAX_CAMPAIGN_LENGTH} are allowed.",
                field="input.campaign",
            )
        if command.reason is not None and len(command.reason) > MAX_REASON_LENGTH:
            raise InvalidInput(
                f"The reason is {len(command.reason)} characters long; at most {MAX_REASON_LENGTH} are allowed.",
                field="input.reason",
            )
        token_type = tokens.detect_type(command.token)
        token = tokens.normalise(command.token, token_type, account.default_country, field="input.token")
        tokens.require_channels_match(command.token, token_type, command.channels, field="input.channels")
        repository = OptOutRepository(uow.connection)

        key = command.idempotency_key
        if key is not None:
            if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH:
                raise InvalidInput(
                    f"The idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters long.",
                    field="input.idempotencyKey",
                )
            fingerprint = command.fingerprint(action)
            stored = await repository.claim_idempotency_key(
                actor.organization_id, account.id, key, action.value, fingerprint
            )
            if stored is not None:
                if stored[:2] != (action.value, fingerprint):
                    raise IdempotencyKeyReused(
                        f"The idempotency key {quoted(key)} was already used with different parameters.",
                        field="input.idempotencyKey",
                    )
                return await repository.events_by_id(actor.organization_id, stored[2])

        events = await repository.change(
            action,
            organization_id=actor.organization_id,
            list_id=account.list_id,
            account_id=account.id,
            scope=account.opt_out_scope,
            token=token,
            token_type=token_type.value,
            channels=list(dict.fromkeys(c.value for c in command.channels)),
            source=command.source.value,
            reason=command.reason,
            api_key_id=actor.key_id,
            evidence=command.evidence.to_json(),
        )
        if key is not None:
            await repository.record_idempotent_result(actor.organization_id, account.id, key, [e.id for e in events])
        if events:
            _written(uow, ((e.action, e.channel, e.source) for e in events))
            await webhook_service.enqueue(uow, account, events)
            if action is OptOutAction.OPT_OUT:
                await contact_service.apply_opt_out_effect(uow, account, [token], token_type)
                if account.send_confirmation and command.source in CONFIRMED_SOURCES and token_type is TokenType.MSISDN:
                    await outbound_service.queue_confirmation(uow, account, token)
        return events

    async def opt_out_many(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account: AccountSettings,
        tokens: list[str],
        token_type: TokenType,
        channels: list[Channel],
        *,
        source: OptOutSource,
        reason: str | None,
    ) -> list[str]:
        """Normalised tokens of one type opted out of every channel at once (uploads, imports):
        their events go to the history, the live feed and the webhooks like any other, and the
        account's onOptOut applies; no confirmation is queued, as a list asked, not a person.
        `account` as the caller has read it in this unit. The tokens that changed, in order."""
        account = await self._writable(uow, actor, account)
        if reason is not None and len(reason) > MAX_REASON_LENGTH:
            raise InvalidInput(
                f"The reason is {len(reason)} characters long; at most {MAX_REASON_LENGTH} are allowed.", field="reason"
            )
        unique = list(dict.fromkeys(tokens))
        channel_names = list(dict.fromkeys(channel.value for channel in channels))
        change = {
            "organization_id": actor.organization_id,
            "list_id": account.list_id,
            "account_id": account.id,
            "scope": account.opt_out_scope,
            "tokens": unique,
            "token_type": token_type.value,
            "channels": channel_names,
            "source": source.value,
            "reason": reason,
            "api_key_id": actor.key_id,
        }
        repository = OptOutRepository(uow.connection)
        if await webhook_service.may_deliver(uow, account, len(unique) * len(channel_names)):
            events = await repository.opt_out_many(**change)
            await webhook_service.deliver(uow, account, events)
            made = [(event.token, event.channel) for event in events]
        else:
            made = await repository.opt_out_many_tokens(**change)
        changed = list(dict.fromkeys(token for token, _ in made))
        if changed:
            _written(uow, (("OPT_OUT", channel, source.value) for _, channel in made))
            await contact_service.apply_opt_out_effect(uow, account, changed, token_type)
        return changed

    async def opt_in_many(
        self,
        uow: UnitOfWork,
        actor: Actor,
        account: AccountSettings,
        tokens: list[str],
        *,
        source: OptOutSource,
        evidence: Evidence,
    ) -> list[EventRecord]:
        """Normalised tokens of either type opted back into every channel they are opted out of
        (an import that resets opt-outs, with its consent evidence kept on every event): on the
        history, the live feed and the webhooks like any other opt-in. `account` as the caller
        has read it in this unit."""
        account = await self._writable(uow, actor, account)
        events = await OptOutRepository(uow.connection).opt_in_many(
            organization_id=actor.organization_id,
            list_id=account.list_id,
            account_id=account.id,
            scope=account.opt_out_scope,
            tokens=list(dict.fromkeys(tokens)),
            source=source.value,
            api_key_id=actor.key_id,
            evidence=evidence.to_json(),
        )
        if events:
            _written(uow, ((e.action, e.channel, e.source) for e in events))
            await webhook_service.enqueue(uow, account, events)
        return events

    async def opted_out_anywhere(
        self, uow: UnitOfWork, account: AccountSettings, msisdns: list[str], emails: list[str]
    ) -> set[str]:
        """Which of these normalised tokens are opted out of any channel in the account's list.
        `account` as the caller has read it, through the actor, in this unit."""
        if not msisdns and not emails:
            return set()
        return await OptOutRepository(uow.connection).opted_out_anywhere(account.list_id, msisdns, emails)

    async def _writable(self, uow: UnitOfWork, actor: Actor, account: AccountSettings) -> AccountSettings:
        """The account of a bulk change as the caller read it, if the actor may change its list;
        read again through the actor (answering as a missing one) if it is not the actor's."""
        actor.require(Role.WRITER, what="change opt-outs")
        if account.organization_id != actor.organization_id or not actor.can_see_account(account.id):
            account = await account_service.settings(uow, actor, account.id)
        return account

    async def check(
        self, uow: UnitOfWork, actor: Actor, account_id: UUID, channel: Channel, raw_tokens: list[str]
    ) -> list[TokenStatus]:
        if len(raw_tokens) > MAX_CHECK_TOKENS:
            raise TooMany(
                f"{len(raw_tokens)} tokens in one call; at most {MAX_CHECK_TOKENS} are allowed.", field="tokens"
            )
        account = await account_service.settings(uow, actor, account_id)
        token_type = channel.token_type
        normalised: list[tuple[str, str | None, DomainError | None]] = []
        for index, given in enumerate(raw_tokens):
            try:
                normalised.append(
                    (given, tokens.normalise(given, token_type, account.default_country, field=f"tokens.{index}"), None)
                )
            except DomainError as refused:
                normalised.append((given, None, refused))
        valid = [token for _, token, _ in normalised if token is not None]
        found = await OptOutRepository(uow.connection).opted_out(account.list_id, channel.value, valid) if valid else {}
        statuses = []
        for given, token, problem in normalised:
            row = found.get(token) if token is not None else None
            statuses.append(
                TokenStatus(
                    input=given,
                    token=token if token is not None else given,
                    token_type=token_type,
                    channel=channel,
                    opted_out=row is not None,
                    since=row["since"] if row is not None else None,
                    reason=row["reason"] if row is not None else None,
                    error=problem,
                )
            )
        return statuses

    async def opted_out_tokens(
        self, uow: UnitOfWork, actor: Actor, account: AccountSettings, channel: Channel, tokens: list[str]
    ) -> set[str]:
        """Which of these normalised tokens are opted out of the channel in the account's list: a
        scrub's batch. `account` as the caller has read it, through the actor, in this unit."""
        account = await _as_seen_by(uow, actor, account)
        if not tokens:
            return set()
        repository = OptOutRepository(uow.connection)
        return await repository.opted_out_tokens(account.list_id, channel.token_type.value, channel.value, tokens)

    async def count_opted_out_up_to(
        self, uow: UnitOfWork, actor: Actor, account: AccountSettings, channel: Channel, *, at_most: int
    ) -> int:
        """How many tokens are opted out of the channel in the account's list, counted to `at_most`."""
        account = await _as_seen_by(uow, actor, account)
        repository = OptOutRepository(uow.connection)
        return await repository.count_opted_out_up_to(
            account.list_id, channel.token_type.value, channel.value, at_most=at_most
        )

    async def all_opted_out_tokens(
        self, uow: UnitOfWork, actor: Actor, account: AccountSettings, channel: Channel
    ) -> set[str]:
        """Every token opted out of the channel in the account's list: for a file that holds more
        rows than that, one read instead of one probe a row. Ask `count_opted_out_up_to` first."""
        account = await _as_seen_by(uow, actor, account)
        repository = OptOutRepository(uow.connection)
        return await repository.all_opted_out_tokens(account.list_id, channel.token_type.value, channel.value)

    async def latest_event(
        self, uow: UnitOfWork, actor: Actor, account: AccountSettings, token: str, channel: Channel
    ) -> EventRecord | None:
        """The last change of a normalised token on a channel, in the account's list: what its
        state is now, and how it came to be. `account` as the caller has read it in this unit."""
        account = await _as_seen_by(uow, actor, account)
        return await OptOutRepository(uow.connection).latest_event(account.list_id, token, channel.value)

    async def contact_statuses(
        self, uow: UnitOfWork, actor: Actor, contacts: list[models.Contact]
    ) -> dict[UUID, list[TokenStatus]]:
        """One status per channel each contact has a token for, from its account's list."""
        accounts = await account_service.settings_of_many(uow, actor, [contact.account_id for contact in contacts])
        list_ids = {account_id: account.list_id for account_id, account in accounts.items()}
        states: dict[tuple[UUID | None, str, str], Any] = {}
        repository = OptOutRepository(uow.connection)
        for list_id in set(list_ids.values()):
            wanted = [t for c in contacts if list_ids.get(c.account_id) == list_id for t in (c.msisdn, c.email) if t]
            for row in await repository.states_for_tokens(actor.organization_id, list_id, wanted):
                states[(list_id, row["token"], row["channel"])] = row
        result: dict[UUID, list[TokenStatus]] = {}
        for contact in contacts:
            contact_list = list_ids.get(contact.account_id)
            statuses = []
            for channel in Channel:
                token = contact.email if channel is Channel.EMAIL else contact.msisdn
                if token is None:
                    continue
                row = states.get((contact_list, token, channel.value)) if contact_list else None
                opted_out = row is not None and bool(row["opted_out"])
                statuses.append(
                    TokenStatus(
                        input=token,
                        token=token,
                        token_type=channel.token_type,
                        channel=channel,
                        opted_out=opted_out,
                        since=row["since"] if row is not None and opted_out else None,
                        reason=row["reason"] if row is not None and opted_out else None,
                    )
                )
            result[contact.id] = statuses
        return result

    async def _list_id(self, uow: UnitOfWork, actor: Actor, account_id: UUID | None) -> UUID:
        if account_id is not None:
            return (await account_service.settings(uow, actor, account_id)).list_id
        if actor.account_id is not None:
            # An account key reads the list its own account uses.
            return (await account_service.settings(uow, actor, actor.account_id)).list_id
        return await account_service.organization_list(uow, actor)

    async def opted_out_page(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        account_id: UUID | None,
        token_type: TokenType | None,
        channel: Channel | None,
        first: int | None,
        after: str | None,
    ) -> Page[TokenStatus]:
        size = page_size(first)
        key = decode_cursor("optouts", after, (one_of(TokenType), one_of(Channel), text))
        list_id = await self._list_id(uow, actor, account_id)
        statuses = await _opted_out(uow, list_id, token_type, channel, after=key, limit=size + 1)
        return build_page(
            statuses, size, lambda s: encode_cursor("optouts", [s.token_type.value, s.channel.value, s.token])
        )

    async def opted_out_batches(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        account_id: UUID | None,
        token_type: TokenType | None,
        channel: Channel | None,
        batch: int = 5_000,
    ) -> AsyncIterator[list[TokenStatus]]:
        """Every opted-out token of the list, in `opted_out_page`'s order, a batch at a time: for
        exports of any size."""
        list_id = await self._list_id(uow, actor, account_id)

        async def read(after: tuple[str, str, str] | None, limit: int) -> list[TokenStatus]:
            return await _opted_out(uow, list_id, token_type, channel, after=after, limit=limit)

        def key(status: TokenStatus) -> tuple[str, str, str] | None:
            return (status.token_type.value, status.channel.value, status.token)

        async for statuses in keyset_batches(uow, read, None, key, batch):
            yield statuses

    async def count_opted_out(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        account_id: UUID | None,
        token_type: TokenType | None,
        channel: Channel | None,
    ) -> int:
        list_id = await self._list_id(uow, actor, account_id)
        return await OptOutRepository(uow.connection).count_opted_out(
            list_id, token_type=token_type.value if token_type else None, channel=channel.value if channel else None
        )

    async def _history_target(
        self, uow: UnitOfWork, actor: Actor, account_id: UUID, raw_token: str
    ) -> tuple[UUID, str]:
        account = await account_service.settings(uow, actor, account_id)
        token_type = tokens.detect_type(raw_token)
        return account.list_id, tokens.normalise(raw_token, token_type, account.default_country, field="token")

    async def history_page(
        self,
        uow: UnitOfWork,
        actor: Actor,
        *,
        account_id: UUID,
        token: str,
        first: int | None,
        after: str | None,
    ) -> Page[EventRecord]:
        size = page_size(first)
        position = EventPosition.decode(after, field="after") if after is not None else START
        list_id, normalised = await self._history_target(uow, actor, account_id, token)
        rows = await OptOutRepository(uow.connection).history_page(list_id, normalised, after=position, limit=size + 1)
        return build_page(rows, size, lambda e: e.position.encode())

    async def count_history(self, uow: UnitOfWork, actor: Actor, *, account_id: UUID, token: str) -> int:
        list_id, normalised = await self._history_target(uow, actor, account_id, token)
        return await OptOutRepository(uow.connection).count_history(list_id, normalised)

    async def purge_idempotency_keys(self, uow: UnitOfWork) -> int:
        return await OptOutRepository(uow.connection).purge_idempotency_keys(older_than_hours=IDEMPOTENCY_KEY_HOURS)


async def _opted_out(
    uow: UnitOfWork,
    list_id: UUID,
    token_type: TokenType | None,
    channel: Channel | None,
    *,
    after: tuple[str, str, str] | None,
    limit: int,
) -> list[TokenStatus]:
    """A keyset page of the list's opted-out tokens, by (token type, channel, token)."""
    rows = await OptOutRepository(uow.connection).opted_out_page(
        list_id,
        token_type=token_type.value if token_type else None,
        channel=channel.value if channel else None,
        after=after,
        limit=limit,
    )
    return [
        TokenStatus(
            input=row["token"],
            token=row["token"],
            token_type=TokenType(row["token_type"]),
            channel=Channel(row["channel"]),
            opted_out=True,
            since=row["since"],
            reason=row["reason"],
        )
        for row in rows
    ]


opt_out_service = OptOutService()


def _written(uow: UnitOfWork, events: Iterable[tuple[str, str, str]]) -> None:
    """Events written, as (action, channel, source): the live feed hears of them at commit, here
    and in other processes, and the metrics count them then (not before: the unit may yet roll back)."""
    uow.events_written()
    uow.after_commit(partial(metrics.count_events, Tally(events)))


async def _as_seen_by(uow: UnitOfWork, actor: Actor, account: AccountSettings) -> AccountSettings:
    """`account` as a caller read it, if this actor may see it; else read again through the actor,
    which answers as for a missing one."""
    if account.organization_id != actor.organization_id or not actor.can_see_account(account.id):
        return await account_service.settings(uow, actor, account.id)
    return account
