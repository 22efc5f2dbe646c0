import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types

from app.settings import Settings, get_settings
from graphql_schema.accounts import AccountMutation, AccountQuery
from graphql_schema.audiences import AudienceQueryType
from graphql_schema.contacts import ContactMutation, ContactQuery
from graphql_schema.direct_delivery import DirectDeliveryExecutionContext
from graphql_schema.errors import StoplistErrors
from graphql_schema.feed import FeedSubscription
from graphql_schema.groups import GroupMutation, GroupQuery
from graphql_schema.opt_outs import OptOutMutation, OptOutQuery
from graphql_schema.organizations import OrganizationQuery

Query = merge_types(
    "Query", (OrganizationQuery, AccountQuery, ContactQuery, GroupQuery, AudienceQueryType, OptOutQuery)
)
Mutation = merge_types("Mutation", (AccountMutation, ContactMutation, GroupMutation, OptOutMutation))
Subscription = merge_types("Subscription", (FeedSubscription,))


def build_schema(settings: Settings) -> strawberry.Schema:
    # The limiters' rule classes are built once: ValidationCache keys on the rule classes, and
    # a fresh limiter per request (a new class each time) would make every request miss it.
    limits = [
        *QueryDepthLimiter(max_depth=settings.STOPLIST_MAX_QUERY_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.STOPLIST_MAX_ALIASES).validation_rules,
    ]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=DirectDeliveryExecutionContext,
        extensions=[
            StoplistErrors,
            lambda: AddValidationRules(limits),
            lambda: MaxTokensLimiter(max_token_count=settings.STOPLIST_MAX_TOKENS),
            # Clients send the same few documents over and over: parse and validate each once.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
        ],
    )


schema = build_schema(get_settings())
