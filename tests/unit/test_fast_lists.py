"""The fast list completion must answer exactly as graphql-core does, errors included."""

import enum
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry

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
