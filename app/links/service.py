"""Opt-out links: one code for each (account, token, channel), minted when first asked for and
the same ever after; and reading a code back to what it opts out."""

from dataclasses import dataclass
from uuid import UUID

from app import tokens
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import Channel
from app.links import codes, repository

# Each round mints afresh only what a code collision (once in 2^50) left without one.
_MINT_ROUNDS = 3


@dataclass(frozen=True, slots=True)
class LinkTarget:
    organization_id: UUID
    account_id: UUID
    token: str  # normalised: E.164 or a lower-case e-mail address
    channel: Channel


def url(base: str, code: str) -> str:
    return f"{base}/o/{code}"


class LinkService:
    async def code_for(
        self, uow: UnitOfWork, actor: Actor, account_id: UUID, token: str, channel: Channel, *, field: str = "token"
    ) -> str:
        """The code of one token (as given: normalised here) on a channel of an account of the key's."""
        account = await account_service.settings(uow, actor, account_id)
        token_type = tokens.detect_type(token)
        normalised = tokens.normalise(token, token_type, account.default_country, field=field)
        tokens.require_channels_match(token, token_type, [channel], field="channel")
        found = await self.codes_for(uow, actor.organization_id, account.id, channel, [normalised])
        return found[normalised]

    async def codes_for(
        self, uow: UnitOfWork, organization_id: UUID, account_id: UUID, channel: Channel, tokens: list[str]
    ) -> dict[str, str]:
        """token -> code for normalised tokens of an account the caller has checked."""
        # In one order everywhere: two batches minting the same new tokens wait for each other
        # in turn instead of deadlocking.
        wanted = sorted(set(tokens))
        found = await repository.existing(uow.connection, account_id, channel.value, wanted)
        missing = [token for token in wanted if token not in found]
        for _ in range(_MINT_ROUNDS):
            if not missing:
                return found
            minted = [codes.new_code() for _ in missing]
            found |= await repository.mint(uow.connection, organization_id, account_id, channel.value, minted, missing)
            missing = [token for token in missing if token not in found]
            if missing:  # minted meanwhile by another request, which committed first
                found |= await repository.existing(uow.connection, account_id, channel.value, missing)
                missing = [token for token in missing if token not in found]
        if missing:
            raise RuntimeError(f"no opt-out link code could be minted for {len(missing)} tokens")
        return found

    async def target(self, uow: UnitOfWork, code: str) -> LinkTarget | None:
        """What a code opts out; None for a code that is malformed (never looked up) or unknown."""
        if not codes.is_code(code):
            return None
        found = await repository.target(uow.connection, code)
        if found is None:
            return None
        organization_id, account_id, token, channel = found
        return LinkTarget(organization_id, account_id, token, Channel(channel))


link_service = LinkService()
