"""The fast list completion must answer exactly as graphql-core does, errors included."""

import enum
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from graphql import ExecutionResult, parse

from graphql_schema.execution import FastListExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    name: str
    colour: Colour
    at: datetime | None
    count: int


@strawberry.type
class Item:
    id: strawberry.ID
    leaf: Leaf
    maybe: Leaf | None
    required_text: str

    @strawberry.field
    def computed(self) -> str:
        return f"computed-{self.id}"


def items(broken: bool = False) -> list[Item]:
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    return [
        Item(
            id=strawberry.ID(str(n)),
            leaf=Leaf(name=f"n{n}", colour=Colour.RED if n % 2 else Colour.BLUE, at=at if n % 3 else None, count=n),
            maybe=None if n % 2 else Leaf(name="m", colour=Colour.BLUE, at=None, count=0),
            required_text=None if broken and n == 2 else "x",
        )  # type: ignore[arg-type]
        for n in range(5)
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self, broken: bool = False) -> list[Item]:
        return items(broken)


plain = strawberry.Schema(Query)
fast = strawberry.Schema(Query, execution_context_class=FastListExecutionContext)

QUERIES = [
    "{ items { id requiredText leaf { name colour at count } maybe { name } } }",
    "{ items { __typename a: id b: id leaf { __typename n: name } } }",
    "{ items { ...F } } fragment F on Item { id leaf { colour } }",
    "query($yes: Boolean!) { items { id @include(if: $yes) leaf { name @skip(if: $yes) count } } }",
    "{ items { id computed } }",
    "{ items(broken: true) { id requiredText } }",
]


def as_comparable(result: Any) -> tuple[Any, Any]:
    errors = [(e.message, e.path) for e in result.errors or []]
    return result.data, errors


@pytest.mark.parametrize("query", QUERIES)
async def test_fast_completion_answers_as_graphql_core(query: str) -> None:
    variables = {"yes": True}

    expected = await plain.execute(query, variable_values=variables)
    actual = await fast.execute(query, variable_values=variables)

    assert as_comparable(actual) == as_comparable(expected)
    assert expected.data is not None or expected.errors


async def test_null_in_a_non_null_field_is_still_an_error() -> None:
    result = await fast.execute("{ items(broken: true) { id requiredText } }")

    assert result.data is None
    assert [e.path for e in result.errors or []] == [["items", 2, "requiredText"]]


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def item(self, n: int = 0) -> AsyncGenerator[Item, None]:
        yield items()[n]


events = strawberry.Schema(Query, subscription=Subscription)

SUBSCRIPTIONS = [
    "subscription { item { id requiredText leaf { name colour at count } maybe { name } } }",
    "subscription { it: item(n: 3) { __typename leaf { n: name at } maybe { colour } } }",
    "subscription { item(n: 2) { ...F } } fragment F on Item { id leaf { colour } }",
]


@pytest.mark.parametrize("query", SUBSCRIPTIONS)
async def test_a_planned_subscription_event_answers_as_graphql_core(query: str) -> None:
    stream = await events.subscribe(query)
    assert not isinstance(stream, ExecutionResult)
    expected = await anext(stream)
    n = int(query.partition("item(n: ")[2][:1] or 0)
    executor = FastListExecutionContext.build(events._schema, parse(query))
    assert isinstance(executor, FastListExecutionContext)

    complete = executor.plain_root_completer()

    assert complete is not None
    assert expected.data is not None and not expected.errors
    assert complete(items()[n]) == expected.data


@pytest.mark.parametrize(
    "query",
    [
        "subscription { item { id computed } }",  # a resolver below the root
        "subscription($no: Boolean!) { item @include(if: $no) { id } }",  # a directive on the root field
        "subscription { ... on Subscription { item { id } } __typename }",  # more than one root field
    ],
)
async def test_what_cannot_be_planned_is_left_to_graphql_core(query: str) -> None:
    executor = FastListExecutionContext.build(events._schema, parse(query), raw_variable_values={"no": True})
    assert isinstance(executor, FastListExecutionContext)

    assert executor.plain_root_completer() is None


async def test_a_null_in_a_non_null_field_of_an_event_goes_the_ordinary_way() -> None:
    executor = FastListExecutionContext.build(events._schema, parse("subscription { item { id requiredText } }"))
    assert isinstance(executor, FastListExecutionContext)
    complete = executor.plain_root_completer()
    assert complete is not None

    assert complete(items(broken=True)[2]) is None
