"""The one layer every argument value passes before a resolver runs, on every transport.

GraphQL's own coercion checks a value's type; this checks what a value of the right type may
still hold that the rest of the server cannot take: a NUL character (PostgreSQL text cannot
store one, and the database's refusal would surface as an internal error), a string longer
than its bound, a list with more items than its argument declares (graphql_schema/bounds.py).
A refused value answers a GraphQL error naming the field and the value, with
`extensions.code` and `.field` as domain errors have.

Where a document's arguments are and what bounds each one are worked out once per document
(clients send the same few documents over and over); per request only the variables are read.
It runs in the validation step, after graphql-core's validation (ValidationCache, listed
before it), so a document that is not valid is reported as graphql-core reports it."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLSchema,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    ValueNode,
    VariableNode,
    Visitor,
    get_nullable_type,
    get_operation_ast,
    is_leaf_type,
    validate,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter

from app.errors import InvalidInput, TooMany
from app.text import text_problem
from graphql_schema.bounds import DEFAULT_MAX_LENGTH, MAX_ITEMS, MAX_LENGTH

Path = tuple[str | int, ...]
Problem = InvalidInput | TooMany


@dataclass(frozen=True)
class Bounds:
    max_items: int | None = None
    max_length: int = DEFAULT_MAX_LENGTH


_UNBOUNDED = Bounds()


def _bounds(definition: Any) -> Bounds:
    """The bounds declared on a GraphQL argument or input field (graphql_schema/bounds.py)."""
    declared = (definition.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    metadata = getattr(declared, "metadata", None) or {}
    if not metadata:
        return _UNBOUNDED
    return Bounds(metadata.get(MAX_ITEMS), metadata.get(MAX_LENGTH, DEFAULT_MAX_LENGTH))


def _dotted(path: Path) -> str:
    return ".".join(str(part) for part in path)


def _refusal(error: InvalidInput | TooMany, node: Node) -> GraphQLError:
    return GraphQLError(error.message, nodes=[node], extensions={"code": error.code, "field": error.field})


def string_problem(value: str, path: Path, bounds: Bounds) -> InvalidInput | None:
    return text_problem(value, field=_dotted(path), max_length=bounds.max_length)


def _too_many(count: int, path: Path, max_items: int) -> TooMany:
    field = _dotted(path)
    return TooMany(f"{field} has {count:,} items; at most {max_items:,} are allowed.", field=field)


def _plain_strings(values: list[Any]) -> bool:
    """Whether `values` are all strings within the default bounds, checked in C loops."""
    try:
        joined = "".join(values)  # refuses anything but strings
    except TypeError:
        return False
    return "\x00" not in joined and max(map(len, values), default=0) <= DEFAULT_MAX_LENGTH


def value_problem(
    value: Any, input_type: GraphQLInputType, path: Path, bounds: Bounds
) -> InvalidInput | TooMany | None:
    """The first problem of a variable's value (JSON as sent) at an argument of this type. A value
    of the wrong type is left to graphql-core's coercion, which reports it."""
    if isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    if isinstance(input_type, GraphQLList):
        if not isinstance(value, list):
            return value_problem(value, input_type.of_type, path, _UNBOUNDED)  # one value stands for a list of it
        if bounds.max_items is not None and len(value) > bounds.max_items:
            return _too_many(len(value), path, bounds.max_items)
        if is_leaf_type(get_nullable_type(input_type.of_type)) and _plain_strings(value):
            return None  # 10,000 tokens of a send-time check: looked at all at once
        for index, item in enumerate(value):
            problem = value_problem(item, input_type.of_type, (*path, index), _UNBOUNDED)
            if problem is not None:
                return problem
        return None
    if isinstance(input_type, GraphQLInputObjectType):
        if not isinstance(value, dict):
            return None
        for name, item in value.items():
            field = input_type.fields.get(name)
            if field is not None:
                problem = value_problem(item, field.type, (*path, name), _bounds(field))
                if problem is not None:
                    return problem
        return None
    return string_problem(value, path, bounds) if isinstance(value, str) else None


@dataclass(frozen=True)
class VariableUse:
    """A variable whose value lands at `path`, of `input_type` there, within `bounds`."""

    name: str
    input_type: GraphQLInputType
    path: Path
    bounds: Bounds
    node: Node
    default: ValueNode | None  # the variable's default value, used when it is not sent


@dataclass(frozen=True)
class Plan:
    literal_problem: GraphQLError | None
    variables: tuple[VariableUse, ...]
    declared: frozenset[str]

    def drop_undeclared(self, variables: dict[str, Any]) -> None:
        """GraphQL ignores variables the operation does not declare; they are dropped here, so
        that what a client sends besides (up to the message limit) is not held for as long as
        the operation runs."""
        for name in [name for name in variables if name not in self.declared]:
            del variables[name]

    def problem(self, variables: dict[str, Any]) -> GraphQLError | None:
        if self.literal_problem is not None:
            return self.literal_problem
        for use in self.variables:
            if use.name in variables:
                problem = value_problem(variables[use.name], use.input_type, use.path, use.bounds)
            elif use.default is not None:
                problem = next(_literal_problems(use.default, use.input_type, use.path, use.bounds, []), None)
            else:
                continue
            if problem is not None:
                return _refusal(problem, use.node)
        return None


def _literal_problems(
    node: ValueNode, input_type: GraphQLInputType, path: Path, bounds: Bounds, uses: list[VariableUse]
) -> Iterator[InvalidInput | TooMany]:
    """Problems of a value written in the document; variables met inside it are added to `uses`."""
    if isinstance(input_type, GraphQLNonNull):
        input_type = input_type.of_type
    if isinstance(node, VariableNode):
        uses.append(VariableUse(node.name.value, input_type, path, bounds, node, None))
    elif isinstance(input_type, GraphQLList):
        if not isinstance(node, ListValueNode):
            yield from _literal_problems(node, input_type.of_type, path, _UNBOUNDED, uses)
            return
        if bounds.max_items is not None and len(node.values) > bounds.max_items:
            yield _too_many(len(node.values), path, bounds.max_items)
        for index, item in enumerate(node.values):
            yield from _literal_problems(item, input_type.of_type, (*path, index), _UNBOUNDED, uses)
    elif isinstance(input_type, GraphQLInputObjectType) and isinstance(node, ObjectValueNode):
        for field_node in node.fields:
            field = input_type.fields.get(field_node.name.value)
            if field is not None:
                yield from _literal_problems(
                    field_node.value, field.type, (*path, field_node.name.value), _bounds(field), uses
                )
    elif isinstance(node, StringValueNode):
        problem = string_problem(node.value, path, bounds)
        if problem is not None:
            yield problem


class _ArgumentCollector(Visitor):
    def __init__(self, type_info: TypeInfo, operation: OperationDefinitionNode) -> None:
        super().__init__()
        self.type_info = type_info
        self.operation = operation
        self.literal_problem: GraphQLError | None = None
        self.uses: list[VariableUse] = []

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> Any:
        return None if node is self.operation else self.SKIP

    def enter_argument(self, node: Any, *_: Any) -> Any:
        argument = self.type_info.get_argument()
        if argument is not None:
            uses: list[VariableUse] = []
            problem = next(
                _literal_problems(node.value, argument.type, (node.name.value,), _bounds(argument), uses), None
            )
            if problem is not None and self.literal_problem is None:
                self.literal_problem = _refusal(problem, node)
            self.uses += uses
        return self.SKIP


def plan(schema: GraphQLSchema, document: DocumentNode, operation_name: str | None) -> Plan:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return Plan(None, (), frozenset())
    type_info = TypeInfo(schema)
    collector = _ArgumentCollector(type_info, operation)
    visit(document, TypeInfoVisitor(type_info, collector))
    defaults = {
        definition.variable.name.value: definition.default_value for definition in operation.variable_definitions or ()
    }
    uses = tuple(
        VariableUse(use.name, use.input_type, use.path, use.bounds, use.node, defaults.get(use.name))
        for use in collector.uses
    )
    return Plan(collector.literal_problem, uses, frozenset(defaults))


class InputChecks(SchemaExtension):
    # Plans by document: the parser cache hands out the same document object for the same text
    # (and a plan keeps its document alive, so the id cannot be reused meanwhile).
    _plans: ClassVar[dict[tuple[int, int, str | None], tuple[DocumentNode, Plan]]] = {}
    _MAX_PLANS = 512

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            # Not validated yet by an extension before this one (ValidationCache): validate here.
            context.pre_execution_errors = validate(context.schema._schema, document, context.validation_rules)
        if document is not None and not context.pre_execution_errors:
            key = (id(context.schema), id(document), context.operation_name)
            cached = self._plans.get(key)
            if cached is None or cached[0] is not document:
                if len(self._plans) >= self._MAX_PLANS:
                    self._plans.clear()
                cached = self._plans[key] = (document, plan(context.schema._schema, document, context.operation_name))
            variables = context.variables or {}
            cached[1].drop_undeclared(variables)
            problem = cached[1].problem(variables)
            if problem is not None:
                context.pre_execution_errors = [problem]
        yield
