import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from app.settings import Settings, get_settings
from graphql_schema.accounts import AccountMutation, AccountQuery
from graphql_schema.api_keys import ApiKeyMutation, ApiKeyQuery
from graphql_schema.audiences import AudienceQueryType
from graphql_schema.consent import ConsentMutation, ConsentQuery
from graphql_schema.contacts import ContactMutation, ContactQuery
from graphql_schema.direct_delivery import DirectDeliveryExecutionContext
from graphql_schema.errors import StoplistErrors, log_internal_errors
from graphql_schema.feed import FeedSubscription
from graphql_schema.groups import GroupMutation, GroupQuery
from graphql_schema.inbound import InboundMutation, InboundQuery
from graphql_schema.input_checks import InputChecks
from graphql_schema.insights import InsightQuery
from graphql_schema.keywords import KeywordMutation
from graphql_schema.opt_outs import OptOutMutation, OptOutQuery
from graphql_schema.organizations import OrganizationQuery
from graphql_schema.outbound import OutboundQuery
from graphql_schema.sender_tools import SenderToolsMutation, SenderToolsQuery
from graphql_schema.webhooks import WebhookMutation, WebhookQuery

Query = merge_types(
    "Query",
    (
        OrganizationQuery,
        AccountQuery,
        ContactQuery,
        GroupQuery,
        AudienceQueryType,
        OptOutQuery,
        OutboundQuery,
        InboundQuery,
        InsightQuery,
        ConsentQuery,
        WebhookQuery,
        SenderToolsQuery,
        ApiKeyQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountMutation,
        ContactMutation,
        GroupMutation,
        OptOutMutation,
        KeywordMutation,
        InboundMutation,
        WebhookMutation,
        SenderToolsMutation,
        ApiKeyMutation,
        ConsentMutation,
    ),
)
Subscription = merge_types("Subscription", (FeedSubscription,))


class StoplistSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Strawberry logs every error, the client's included, with the whole document.
        log_internal_errors(errors)


def build_schema(settings: Settings) -> strawberry.Schema:
    # The limiters' rule classes are built once: ValidationCache keys on the rule classes, and
    # a fresh limiter per request (a new class each time) would make every request miss it.
    limits = [
        *QueryDepthLimiter(max_depth=settings.STOPLIST_MAX_QUERY_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.STOPLIST_MAX_ALIASES).validation_rules,
    ]
    return StoplistSchema(
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
            InputChecks,  # after validation: see graphql_schema/input_checks.py
        ],
    )


schema = build_schema(get_settings())
