from typing import Self

import strawberry

from app import models
from app.keywords.service import confirmation_text, help_text, keyword_sets


@strawberry.type(description="The inbound keywords of an account and the texts it replies with.")
class KeywordSettings:
    opt_out: list[str] = strawberry.field(
        description="A reply that is one of these opts the sender out of SMS (STOPALL: of every phone channel)."
    )
    opt_in: list[str] = strawberry.field(description="A reply that is one of these opts the sender back in.")
    help: list[str] = strawberry.field(description="A reply that is one of these is answered with helpText.")
    help_text: str
    confirmation_text: str = strawberry.field(
        description="The confirmation SMS sent after an opt-out when sendConfirmation is on."
    )

    @classmethod
    def from_model(cls, account: models.Account) -> Self:
        sets = keyword_sets(account)
        return cls(
            opt_out=list(sets.opt_out),
            opt_in=list(sets.opt_in),
            help=list(sets.help),
            help_text=help_text(account),
            confirmation_text=confirmation_text(account.confirmation_text),
        )
