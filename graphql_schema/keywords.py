from typing import Annotated

import strawberry

from app.errors import DomainError
from app.keywords.service import MAX_KEYWORDS, KeywordChanges, keyword_service
from graphql_schema import ids
from graphql_schema.accounts import Account, AccountPayload
from graphql_schema.bounds import list_argument
from graphql_schema.context import Info
from graphql_schema.errors import UserError

KEYWORDS = "Matching ignores case, accents, surrounding whitespace and punctuation."


@strawberry.type
class KeywordMutation:
    @strawberry.mutation(
        description="Change an account's keyword sets and texts (admin). An omitted argument stays as it is; null "
        f"puts the default back. {KEYWORDS} A keyword may be in one set only."
    )
    async def update_keywords(
        self,
        info: Info,
        account_id: strawberry.ID,
        opt_out: Annotated[
            strawberry.Maybe[list[str] | None], list_argument("Opt-out keywords.", max_items=MAX_KEYWORDS)
        ] = None,
        opt_in: Annotated[
            strawberry.Maybe[list[str] | None], list_argument("Opt-in keywords.", max_items=MAX_KEYWORDS)
        ] = None,
        help: Annotated[
            strawberry.Maybe[list[str] | None], list_argument("Help keywords.", max_items=MAX_KEYWORDS)
        ] = None,
        help_text: strawberry.Maybe[str | None] = None,
        confirmation_text: strawberry.Maybe[str | None] = None,
    ) -> AccountPayload:
        changes = KeywordChanges()
        for name, given in (
            ("opt_out", opt_out),
            ("opt_in", opt_in),
            ("help", help),
            ("help_text", help_text),
            ("confirmation_text", confirmation_text),
        ):
            if given is not None:
                setattr(changes, name, given.value)
        try:
            actor = info.context.actor
            decoded = ids.decode("Account", account_id, field="accountId")
            account = await info.context.run(lambda unit: keyword_service.update(unit, actor, decoded, changes))
        except DomainError as error:
            return AccountPayload(account=None, errors=UserError.list_from(error))
        return AccountPayload(account=Account.from_model(account), errors=[])
