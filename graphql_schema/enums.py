"""The domain enums, registered as GraphQL enums with their descriptions (same classes, so
resolvers return domain values as they are)."""

import strawberry

from app import enums

strawberry.enum(enums.Channel, description="A channel an opt-out applies to.")
strawberry.enum(enums.TokenType, description="MSISDN (E.164 phone number) or EMAIL.")
strawberry.enum(
    enums.OptOutScope, description="ORGANIZATION: the shared organization list. ACCOUNT: the account's own list."
)
strawberry.enum(enums.OptOutAction, description="Whether an event opted out or opted back in.")
strawberry.enum(enums.OptOutSource, description="How an opt-out or opt-in reached Stoplist.")
strawberry.enum(
    enums.Purpose, description="PROMOTIONAL traffic is filtered by opt-outs; TRANSACTIONAL traffic never is."
)
strawberry.enum(
    enums.ContactOptOutEffect, description="What an opt-out does to the account's contacts with that token."
)

Channel = enums.Channel
TokenType = enums.TokenType
OptOutScope = enums.OptOutScope
OptOutAction = enums.OptOutAction
OptOutSource = enums.OptOutSource
Purpose = enums.Purpose
ContactOptOutEffect = enums.ContactOptOutEffect
