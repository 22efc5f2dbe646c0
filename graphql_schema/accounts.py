from typing import Self

import strawberry

from app import models
from app.accounts.service import AccountChanges, account_service
from app.errors import DomainError
from app.instructions.service import instruction_service
from graphql_schema import ids
from graphql_schema.context import Info
from graphql_schema.enums import ContactOptOutEffect, OptOutScope
from graphql_schema.errors import UserError
from graphql_schema.keyword_settings import KeywordSettings


@strawberry.type(description="The text appended to promotional SMS to numbers of a country.")
class OptOutInstruction:
    country: str = strawberry.field(description='ISO 3166 alpha-2, or "*" for the account\'s default.')
    text: str = strawberry.field(description="{link} in it stands for the recipient's opt-out link.")


@strawberry.type(description="An account of the organization: its own address book and settings.")
class Account:
    id: strawberry.ID
    name: str
    opt_out_scope: OptOutScope = strawberry.field(
        description="ORGANIZATION (default): opt-outs go to and filter by the shared organization list. "
        "ACCOUNT: the account has its own list, isolated both ways."
    )
    default_country: str | None = strawberry.field(
        description="ISO 3166 alpha-2 country in which national phone numbers are read."
    )
    on_opt_out: ContactOptOutEffect = strawberry.field(
        description="What an opt-out does to this account's contacts with that token."
    )
    send_confirmation: bool = strawberry.field(description="Whether numbers that opt out get a confirmation SMS.")
    time_zone: str = strawberry.field(
        description='IANA time zone (default "UTC") in which optOutInsights\' hours, days, weeks and months begin.'
    )
    model: strawberry.Private[models.Account]

    @strawberry.field(description="Its inbound keywords and the texts it replies with.")
    def keywords(self) -> KeywordSettings:
        return KeywordSettings.from_model(self.model)

    @strawberry.field(
        description='Its opt-out instructions by country ("*": the default for countries without one), by country.'
    )
    async def opt_out_instructions(self, info: Info) -> list[OptOutInstruction]:
        actor = info.context.actor
        found = await info.context.read(lambda unit: instruction_service.all_of(unit, actor, self.model.id))
        return [OptOutInstruction(country=country, text=text) for country, text in found.items()]

    @classmethod
    def from_model(cls, account: models.Account) -> Self:
        return cls(
            id=ids.encode("Account", account.id),
            name=account.name,
            opt_out_scope=OptOutScope(account.opt_out_scope),
            default_country=account.default_country,
            on_opt_out=ContactOptOutEffect(account.on_opt_out),
            send_confirmation=account.send_confirmation,
            time_zone=account.time_zone,
            model=account,
        )


@strawberry.type(description="The result of an account mutation.")
class AccountPayload:
    account: Account | None = strawberry.field(description="The account; null when the call was refused.")
    errors: list[UserError] = strawberry.field(description="Why the call was refused; empty on success.")


@strawberry.type
class AccountQuery:
    @strawberry.field(
        description="An account of this organization by id; null when there is none (or it is not yours)."
    )
    async def account(self, info: Info, id: strawberry.ID) -> Account | None:
        actor = info.context.actor
        account_id = ids.decode("Account", id, field="id")
        account = await info.context.read(lambda unit: account_service.find(unit, actor, account_id))
        return Account.from_model(account) if account else None


@strawberry.type
class AccountMutation:
    @strawberry.mutation(description="Create an account (admin, organization key).")
    async def create_account(
        self,
        info: Info,
        name: str,
        opt_out_scope: OptOutScope | None = OptOutScope.ORGANIZATION,
        default_country: str | None = None,
        time_zone: str | None = "UTC",
    ) -> AccountPayload:
        try:
            actor = info.context.actor
            account = await info.context.run(
                lambda unit: account_service.create(
                    unit,
                    actor,
                    name=name,
                    opt_out_scope=opt_out_scope or OptOutScope.ORGANIZATION,
                    default_country=default_country,
                    time_zone=time_zone or "UTC",
                )
            )
        except DomainError as error:
            return AccountPayload(account=None, errors=UserError.list_from(error))
        return AccountPayload(account=Account.from_model(account), errors=[])

    @strawberry.mutation(description="Change an account's settings (admin). Omitted arguments stay as they are.")
    async def update_account(
        self,
        info: Info,
        id: strawberry.ID,
        opt_out_scope: OptOutScope | None = None,
        default_country: strawberry.Maybe[str | None] = None,
        on_opt_out: ContactOptOutEffect | None = None,
        send_confirmation: bool | None = None,
        time_zone: str | None = None,
    ) -> AccountPayload:
        try:
            actor = info.context.actor
            account_id = ids.decode("Account", id, field="id")
            changes = AccountChanges(
                opt_out_scope=opt_out_scope,
                on_opt_out=on_opt_out,
                send_confirmation=send_confirmation,
                time_zone=time_zone,
            )
            if default_country is not None:
                changes.default_country = default_country.value
            account = await info.context.run(lambda unit: account_service.update(unit, actor, account_id, changes))
        except DomainError as error:
            return AccountPayload(account=None, errors=UserError.list_from(error))
        return AccountPayload(account=Account.from_model(account), errors=[])
