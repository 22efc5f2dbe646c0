import strawberry

from app import enums

Channel = strawberry.enum(enums.Channel, description="A channel an opt-out applies to.")
TokenType = strawberry.enum(enums.TokenType, description="MSISDN (E.164 phone number) or EMAIL.")
OptOutScope = strawberry.enum(
    enums.OptOutScope, description="ORGANIZATION: the shared organization list. ACCOUNT: the account's own list."
)
OptOutAction = strawberry.enum(enums.OptOutAction, description="Whether an event opted out or opted back in.")
OptOutSource = strawberry.enum(enums.OptOutSource, description="How an opt-out or opt-in reached Stoplist.")
Purpose = strawberry.enum(
    enums.Purpose, description="PROMOTIONAL traffic is filtered by opt-outs; TRANSACTIONAL traffic never is."
)
ContactOptOutEffect = strawberry.enum(
    enums.ContactOptOutEffect, description="What an opt-out does to the account's contacts with that token."
)
