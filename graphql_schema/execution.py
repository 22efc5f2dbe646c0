"""Faster completion of large lists of plain objects.

Profiling `checkOptOuts` with 1,000 tokens and audience pages of 1,000 members showed most
of the time in graphql-core's per-field machinery (execute_field, build_resolve_info,
complete_value: about 2.5 µs a field). For a list whose items are objects made only of
plain attributes (no resolver, no arguments, no directives, no permission or field
extensions) down to leaves, completing a field is just `serialize(getattr(item, name))`.
This context plans such a selection once per operation and completes the list directly;
anything else, and any value it cannot complete exactly as graphql-core would (a null in
a non-null field), goes the ordinary way, so results and errors stay the same.

It relies on graphql-core's and Strawberry's internals (collect_fields, the execution context's
subfield collection, Strawberry's definition back-references): docs/INTERNALS.md lists every
such place in the code base with the test that guards it.
"""

import inspect
import re
import sys
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
)
from graphql.execution.collect_fields import collect_fields
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

# One completion step: (response key, attribute name, non-null?, completer of the value).
Step = tuple[str, str, bool, Callable[[Any], Any]]


class _Fallback(Exception):
    """A value the fast path cannot complete exactly as graphql-core would."""


def _leaf_completer(leaf: GraphQLScalarType | GraphQLEnumType) -> Callable[[Any], Any]:
    serialize = leaf.serialize

    def complete(value: Any) -> Any:
        serialized = serialize(value)
        if serialized is None:
            raise _Fallback
        return serialized

    return complete


def _object_completer(steps: list[Step], typename: str) -> Callable[[Any], dict[str, Any]]:
    def complete(item: Any) -> dict[str, Any]:
        completed: dict[str, Any] = {}
        for key, attribute, non_null, complete_value in steps:
            if attribute == "__typename":
                completed[key] = typename
                continue
            value = getattr(item, attribute)
            if value is None:
                if non_null:
                    raise _Fallback
                completed[key] = None
            else:
                completed[key] = complete_value(value)
        return completed

    return complete


class FastListExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[int, int], tuple[Any, Callable[[Any], Any] | None]] = {}

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: Any,
        info: GraphQLResolveInfo[Any],
        path: Any,
        items: Iterable[Any],
        position_context: Any,
    ) -> Any:
        completer = self._plan(item_type, field_details_list)
        if completer is not None and isinstance(items, list):
            try:
                return [completer(item) for item in items]
            except _Fallback:
                pass
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def plain_root_completer(self) -> Callable[[Any], dict[str, Any] | None] | None:
        """For an operation of one root field that returns a plain object (a subscription's
        event): the whole result's data as a function of that object, planned once. None when the
        selection cannot be planned; the function answers None for an object it cannot complete
        exactly as graphql-core would, which then goes the ordinary way."""
        root_type = self.schema.get_root_type(self.operation.operation)
        if root_type is None:
            return None
        grouped, new_defer_usages, _ = collect_fields(
            self.schema, self.fragments, self.variable_values, root_type, self.operation, self.hide_suggestions
        )
        if new_defer_usages or len(grouped) != 1:
            return None
        ((response_key, field_details_list),) = grouped.items()
        node = field_details_list[0].node
        field = root_type.fields.get(node.name.value)
        if field is None or node.directives or not isinstance(_unwrap(field.type), GraphQLObjectType):
            return None
        complete_object = self._completer(field.type, field_details_list)
        if complete_object is None:
            return None

        def complete(value: Any) -> dict[str, Any] | None:
            try:
                return {response_key: complete_object(value)}
            except _Fallback:
                return None

        return complete

    def _plan(self, item_type: GraphQLOutputType, field_details_list: Any) -> Callable[[Any], Any] | None:
        key = (id(item_type), id(field_details_list))
        cached = self._plans.get(key)
        if cached is None:
            # Keep the list alive with the plan, so its id cannot be reused within this operation.
            cached = (field_details_list, self._completer(item_type, field_details_list))
            self._plans[key] = cached
        return cached[1]

    def _completer(self, output_type: GraphQLOutputType, field_details_list: Any) -> Callable[[Any], Any] | None:
        named = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
        if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
            return _leaf_completer(named)
        if not isinstance(named, GraphQLObjectType) or named.is_type_of is not None:
            return None
        collected = self.collect_subfields(named, field_details_list)
        if collected.new_defer_usages:
            return None
        steps: list[Step] = []
        for response_key, sub_details in collected.grouped_field_set.items():
            node = sub_details[0].node
            if node.arguments or node.directives or any(d.node.directives for d in sub_details[1:]):
                return None
            field_name = node.name.value
            if field_name == "__typename":
                steps.append((response_key, "__typename", True, str))
                continue
            field = named.fields[field_name]
            definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
            if (
                definition is None
                or definition.base_resolver is not None
                or definition.permission_classes
                or definition.extensions
                or isinstance(_unwrap(field.type), GraphQLList)
            ):
                return None
            complete_value = self._completer(field.type, sub_details)
            if complete_value is None:
                return None
            steps.append((response_key, definition.python_name, isinstance(field.type, GraphQLNonNull), complete_value))
        return _object_completer(steps, named.name)


def _unwrap(output_type: GraphQLOutputType) -> GraphQLOutputType:
    return output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type


# graphql-core creates each field's coroutine before it runs it. When a non-null field fails,
# it cancels the sibling tasks still pending (gather_with_cancel); a task cancelled before its
# first step never awaits the coroutine it was given, which Python reports when the garbage
# collector finalises it: as a "never awaited" warning, or, when the collection happens to run
# inside a frame without builtins (a NamedTuple's __new__, such as graphql-core's Path), as an
# unraisable KeyError('__import__') of the warning machinery itself. That work is abandoned on
# purpose: nothing of it ran and nothing is held. For graphql-core's executor and Strawberry's
# resolver wrappers only, neither report is the server's error.
_ABANDONED_OWNERS = re.compile(r"(Executor|GraphQLCoreConverter)\.[\w.<>]+")


def ignore_abandoned_field_coroutines() -> None:
    warnings.filterwarnings(
        "ignore", message=f"coroutine '{_ABANDONED_OWNERS.pattern}' was never awaited", category=RuntimeWarning
    )
    report = sys.unraisablehook

    def unless_abandoned(unraisable: Any) -> None:
        abandoned = unraisable.object
        if not (inspect.iscoroutine(abandoned) and _ABANDONED_OWNERS.fullmatch(abandoned.__qualname__)):
            report(unraisable)

    sys.unraisablehook = unless_abandoned
