"""What the person an opt-out link was sent to can do with it: see what it opts out, opt out
(source LINK, with the page's evidence), and undo that opt-out."""

from dataclasses import dataclass

from app.accounts.records import AccountSettings
from app.accounts.service import account_service
from app.auth.actor import Actor
from app.db.unit_of_work import UnitOfWork
from app.enums import OptOutAction, OptOutSource
from app.links.service import LinkTarget, link_service
from app.opt_outs.records import EventRecord, Evidence
from app.opt_outs.service import OptOutCommand, opt_out_service

MAX_USER_AGENT_LENGTH = 500


@dataclass(frozen=True, slots=True)
class Visitor:
    """Kept as evidence of an opt-out or opt-in made on the page."""

    ip_address: str | None
    user_agent: str | None

    def evidence(self, code: str) -> Evidence:
        agent = self.user_agent[:MAX_USER_AGENT_LENGTH] if self.user_agent else None
        return Evidence(link_code=code, ip_address=self.ip_address, user_agent=agent)


@dataclass(frozen=True, slots=True)
class LinkState:
    code: str
    target: LinkTarget
    opted_out: bool
    undoable: bool  # opted out through this very link: the page may offer to undo it


def _state(code: str, target: LinkTarget, latest: EventRecord | None) -> LinkState:
    opted_out = latest is not None and latest.action == OptOutAction.OPT_OUT
    # Undo reverses this link's own opt-out only: one made by a STOP reply, or by the sender,
    # is not the link holder's to take back.
    undoable = (
        latest is not None
        and opted_out
        and latest.source == OptOutSource.LINK
        and (latest.evidence or {}).get("link_code") == code
    )
    return LinkState(code, target, opted_out, undoable)


class LinkOptOutService:
    async def state(self, uow: UnitOfWork, code: str) -> LinkState | None:
        """None for a malformed or unknown code."""
        found = await self._target(uow, code)
        return await self._state(uow, code, *found) if found is not None else None

    async def opt_out(self, uow: UnitOfWork, code: str, reason: str | None, visitor: Visitor) -> LinkState | None:
        """Idempotent: opting out what is opted out already changes nothing."""
        found = await self._target(uow, code)
        if found is None:
            return None
        target, account = found
        command = self._command(code, target, visitor, reason)
        if await opt_out_service.opt_out(uow, _person(target), command, account=account):
            return LinkState(code, target, opted_out=True, undoable=True)  # this link's own, just made
        return await self._state(uow, code, target, account)

    async def undo(self, uow: UnitOfWork, code: str, visitor: Visitor) -> LinkState | None:
        """Opts back in, if the opt-out in effect is this link's own; else changes nothing."""
        found = await self._target(uow, code)
        if found is None:
            return None
        target, account = found
        state = await self._state(uow, code, target, account)
        if not state.undoable:
            return state
        command = self._command(code, target, visitor, None)
        await opt_out_service.opt_in(uow, _person(target), command, account=account)
        return LinkState(code, target, opted_out=False, undoable=False)

    @staticmethod
    async def _target(uow: UnitOfWork, code: str) -> tuple[LinkTarget, AccountSettings] | None:
        target = await link_service.target(uow, code)
        if target is None:
            return None
        return target, await account_service.settings(uow, _person(target), target.account_id)

    @staticmethod
    async def _state(uow: UnitOfWork, code: str, target: LinkTarget, account: AccountSettings) -> LinkState:
        latest = await opt_out_service.latest_event(uow, _person(target), account, target.token, target.channel)
        return _state(code, target, latest)

    @staticmethod
    def _command(code: str, target: LinkTarget, visitor: Visitor, reason: str | None) -> OptOutCommand:
        return OptOutCommand(
            account_id=target.account_id,
            token=target.token,
            channels=[target.channel],
            reason=reason,
            source=OptOutSource.LINK,
            evidence=visitor.evidence(code),
        )


def _person(target: LinkTarget) -> Actor:
    return Actor.person_on_link(target.organization_id, target.account_id)


link_opt_out_service = LinkOptOutService()
