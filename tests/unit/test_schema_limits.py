"""The schema's own guards, executed in-process: depth limit, masking and logging of internal errors."""

import logging

import pytest
import strawberry
from graphql import GraphQLError
from strawberry.extensions import QueryDepthLimiter

from app.errors import InvalidInput
from app.request_facts import RequestFacts, current
from app.settings import Settings
from graphql_schema.errors import StoplistErrors
from graphql_schema.schema import StoplistSchema, build_schema


async def test_depth_above_the_configured_limit_is_refused() -> None:
    schema = build_schema(Settings(STOPLIST_MAX_QUERY_DEPTH=2))

    result = await schema.execute('{ contacts(accountId: "acc_x") { edges { node { id } } } }')

    assert [e.message for e in result.errors or []] == ["'anonymous' exceeds maximum operation depth of 2"]


@strawberry.type
class Query:
    @strawberry.field
    def broken(self) -> str:
        raise RuntimeError("password=hunter2 in a stack trace")

    @strawberry.field
    def refused(self) -> str:
        raise InvalidInput('"x" is not allowed.', field="value")


masked_schema = strawberry.Schema(Query, extensions=[StoplistErrors, lambda: QueryDepthLimiter(max_depth=5)])


async def test_internal_errors_are_masked() -> None:
    result = await masked_schema.execute("{ broken }")

    assert [(e.message, e.extensions) for e in result.errors or []] == [("Internal server error.", {})]


async def test_domain_errors_keep_their_code_and_field() -> None:
    result = await masked_schema.execute("{ refused }")

    assert [(e.message, e.extensions) for e in result.errors or []] == [
        ('"x" is not allowed.', {"code": "INVALID", "field": "value"})
    ]


async def test_graphql_validation_errors_are_not_masked() -> None:
    result = await masked_schema.execute("{ nope }")

    errors: list[GraphQLError] = result.errors or []
    assert [e.message for e in errors] == ["Cannot query field 'nope' on type 'Query'."]


async def test_only_internal_errors_are_logged_and_never_with_the_document(caplog: pytest.LogCaptureFixture) -> None:
    schema = StoplistSchema(Query, extensions=[StoplistErrors])
    caplog.set_level(logging.DEBUG)

    await schema.execute('query Lookup { broken refused nope(token: "+31611111111") }')  # invalid: nothing runs
    await schema.execute("query Lookup { broken refused }", variable_values={"t": "+31611111111"})

    logged = [(record.name, record.levelname, record.getMessage().splitlines()) for record in caplog.records]
    assert [(name, level, lines[0]) for name, level, lines in logged] == [
        ("stoplist.graphql", "ERROR", "internal error resolving broken")
    ]
    assert logged[0][2][1] == "Traceback (most recent call last):"
    assert logged[0][2][-1] == "builtins.RuntimeError: password=hunter2 in a stack trace"
    assert "+31611111111" not in caplog.text


async def test_an_internal_error_carries_the_requests_id() -> None:
    token = current.set(RequestFacts(id="req-7"))
    try:
        result = await masked_schema.execute("{ broken }")
    finally:
        current.reset(token)

    assert [(e.message, e.extensions) for e in result.errors or []] == [
        ("Internal server error.", {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-7"})
    ]
