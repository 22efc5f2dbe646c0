"""A property-based fuzz test of the served API (issue 7).

hypothesis-graphql generates valid queries and mutations from the served schema. Their ID, String
and Int values come from our own strategies: real ids, tokens and cursors of a real tenant (so that
most requests get past id decoding and reach the services and the database) mixed with hostile
values: NUL and other control characters, lone surrogates, 100,000-character strings, crafted
cursors, malformed ids and ids of another kind, out-of-range page sizes, empty lists and lists of
40,000 items. Any request that drew no hostile value gets one at a drawn argument, and some
arguments are sent as variables (long lists always: a document holds at most 2,000 tokens).

Each request goes over HTTP to `stoplist serve` with an organization admin key, and must be
answered with data or a clear error: no 5xx, no masked "Internal server error.", and no traceback
in what the server logged meanwhile. Each kind of failure (the exception the server logged and
the deepest frame of ours it came from) is its own error class, so Hypothesis shrinks and reports
every distinct bug it finds, not only the first. After the run, the whole log must also be free
of tracebacks and of what the garbage collector reports ("coroutine ... was never awaited"),
which belongs to no request in particular.

A fixed seed and 300 examples by default; more with STOPLIST_FUZZ_EXAMPLES=5000. The counts are
printed at the end: how many requests ran, were executed, reached a service past id decoding.
"""

import asyncio
import base64
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

from graphql_schema.schema import schema as served_schema
from tests.support.server import Server
from tests.support.tenants import Tenant

EXAMPLES = int(os.environ.get("STOPLIST_FUZZ_EXAMPLES", "300"))
SDL = served_schema.as_str()
SCHEMA = graphql.build_schema(SDL)

# Stand-ins the generator draws for "a real value"; replaced, per argument, by a real id of the
# kind the argument takes, a real cursor of the connection, a real token and so on.
REAL = "\ue000real"

LONG = 100_000
MANY = 40_000
PAGE_MAX = 1_000
LIST_MAX = 100  # a longer list counts as hostile (the documented caps are 100 groups, 10,000 tokens)

# Which kind of id each ID argument takes; any other kind is as hostile as a malformed id.
ID_KINDS = {
    "id": "account",
    "accountId": "account",
    "accountIds": "account",
    "groupId": "group",
    "groupIds": "group",
    "contactIds": "contact",
}


def b64(value: object) -> str:
    return b64_raw(json.dumps(value).encode())


def b64_raw(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "+3161234\x005678",
    "nul\x00@example.com",
    "\x00" * 1_000,
    "\x01\x02\x03\x1b[31m\x7f",
    "\t\r\n",
    "\x85\x9f",
    "\u2028\u2029",
    "\ufeff+31612345678",
    "\ufffe\uffff",
    "a\udfffb",  # a lone surrogate: no UTF-8 encoding exists
    "x" * LONG,
    "+31" + "6" * LONG,
    "a" * LONG + "@example.com",
    "e\u0301" * (LONG // 2),
    "'; DROP TABLE contacts; --",
    "%s%s%s%n",
]
HOSTILE_CURSORS = [
    "99999999999999999999.99999999999999999999",
    "18446744073709551616.1",
    "9223372036854775808.9223372036854775808",
    "-1.-1",
    "².1",
    "1.²",
    "١.٢",  # Arabic-Indic digits
    "１.２",  # full-width digits
    "1.2.3",
    "1.",
    ".1",
    ".",
    "1_000.1",
    " 1.1",
    "1.1\x00",
    b64(["contacts", "2020-13-45", "x"]),
    b64(["contacts", "2020-01-01T00:00:00+00:00", "not-a-uuid"]),
    b64(["contacts", "9999-12-31T23:59:59.999999-23:59", "00000000-0000-0000-0000-000000000000"]),
    b64(["contacts", 1, 2]),
    b64(["contacts", None, None]),
    b64(["contacts", ["nested"], {"a": 1}]),
    b64(["contacts", "\x00", "\x00"]),
    b64(["optouts", 1, 2, 3]),
    b64(["optouts", "MSISDN", "SMS", None]),
    b64(["optouts", "NOPE", "NOPE", "x"]),
    b64(["optouts", "MSISDN", "SMS", "\x00"]),
    b64(["audience", {"a": 1}]),
    b64(["audience", None]),
    b64(["audience", "\x00"]),
    b64(["audience", 10**30]),
    b64(["audience", 1e308]),
    b64(["audience", "x" * 10_000]),
    b64(["contacts"]),
    b64([]),
    b64({"contacts": 1}),
    b64("contacts"),
    b64_raw(b'["audience","\x00"]'),  # a raw NUL: not JSON at all
    b64_raw(b"\x00\x00\x00"),
    b64_raw(b"\xff\xfe\xfd"),
    b64(["audience", "x"])[:5] + "\x00" + b64(["audience", "x"])[5:],
    "====",
    "!!!!",
]
HOSTILE_INTS = [-1, -1_000, -(2**31), 2**31 - 1, PAGE_MAX + 1, 1_000_000]


@dataclass
class Real:
    """What the tenant made through the API, and values of other tenants and kinds."""

    ids: dict[str, list[str]]
    foreign_ids: list[str]
    cursors: dict[str, list[str]]
    tokens: list[str]
    hostile_ids: list[str] = field(init=False)
    many_ids: dict[str, list[str]] = field(init=False)
    repeated_ids: dict[str, list[str]] = field(init=False)
    many_tokens: list[str] = field(init=False)

    def strings(self, name: str, root: str) -> list[str]:
        if name == "after":
            return self.cursors[root]
        return {
            "token": self.tokens,
            "tokens": self.tokens,
            "phoneNumber": ["+31612345678", "06 1234 5679", "+44 20 7946 0000"],
            "email": ["fuzz@example.com", "Fuzz.Two@Example.COM"],
            "defaultCountry": ["NL", "BE", "us"],
            "reason": ["STOP", "Unsubscribe, please"],
            "idempotencyKey": ["fuzz-1", "fuzz-2"],
        }.get(name, ["Fuzz", "Ünïcödé naam"])

    def __post_init__(self) -> None:
        hex_ = self.ids["account"][0].partition("_")[2]
        self.hostile_ids = [
            "acc_" + "z" * 32,
            "acc_" + "０" * 32,  # full-width digits
            "acc_" + "٣" * 32,  # Arabic-Indic digits
            "ACC_" + hex_,
            "acc_" + hex_.upper(),
            "acc_" + "0" * 32,
            "acc_" + hex_[:-1],
            "acc_" + hex_ + "0",
            "acc_{" + hex_[:30] + "}",
            "acc_" + "_".join([hex_[:15], hex_[16:]]),
            "acc_" + hex_[:31] + "\x00",
            "acc_\x00" + hex_[1:],
            "acc__" + hex_[1:],
            "acc_" + "a" * LONG,
            "",
            "acc_",
            "_",
            "99999999999999999999",
            "-1",
            "grp_" + hex_,
            "org_" + hex_,
            "key_" + hex_,
            *[i for ids in self.ids.values() for i in ids],  # each of the wrong kind somewhere
            *self.foreign_ids,
        ]
        # Well-formed ids that exist nowhere, and real ones repeated: both get past id decoding.
        self.many_ids = {
            kind: [f"{ids[0].partition('_')[0]}_{n:032x}" for n in range(MANY)] for kind, ids in self.ids.items()
        }
        self.repeated_ids = {kind: ids[:1] * MANY for kind, ids in self.ids.items()}
        self.many_tokens = [self.tokens[n % len(self.tokens)] for n in range(MANY)]


@dataclass
class Request:
    document: str
    variables: dict[str, Any]
    roots: list[str]  # response keys of the root fields

    def __repr__(self) -> str:
        document = self.document if len(self.document) <= 4_000 else shorten(self.document)
        return f"Request(\n{document}\nvariables: {shorten(self.variables)}\n)"


@dataclass
class Tally:
    requests: int = 0
    executed: int = 0
    reached: int = 0
    answered: int = 0
    with_variables: int = 0


# --- the generator ---------------------------------------------------------------------------


def string_node(value: str) -> graphql.ValueNode:
    return graphql.StringValueNode(value=value)


def int_node(value: int) -> graphql.ValueNode:
    return graphql.IntValueNode(value=str(value))


# Times at the edges of what Python and PostgreSQL hold, without an offset, or not times at all.
HOSTILE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2026-12-01T00:00:00",
    "2026-13-45T25:61:00Z",
    "yesterday",
    "2026-12-01T00:00:00\x00Z",
    "",
]


def scalar_strategies(real: Real) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    """Value nodes for ID, String and Int: mostly real values (and shrinking goes to them), so that
    requests get past the first check; then benign and hostile ones."""
    benign_text = st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=20)
    real_node = st.just(REAL).map(string_node)
    return {
        "ID": st.one_of(
            real_node,
            real_node,
            real_node,
            st.sampled_from(real.hostile_ids).map(string_node),
        ),
        "String": st.one_of(
            real_node,
            real_node,
            benign_text.map(string_node),
            st.sampled_from(HOSTILE_TEXT).map(string_node),
            st.sampled_from(HOSTILE_CURSORS).map(string_node),
        ),
        "Int": st.one_of(
            st.integers(0, PAGE_MAX).map(int_node),
            st.integers(0, PAGE_MAX).map(int_node),
            st.sampled_from(HOSTILE_INTS).map(int_node),
        ),
        "DateTime": st.one_of(
            st.datetimes(timezones=st.timezones()).map(lambda moment: string_node(moment.isoformat())),
            st.sampled_from(HOSTILE_TIMES).map(string_node),
        ),
    }


def named(type_: graphql.GraphQLInputType) -> graphql.GraphQLNamedType:
    return graphql.get_named_type(type_)


def list_item_type(type_: graphql.GraphQLInputType) -> graphql.GraphQLInputType | None:
    inner = graphql.get_nullable_type(type_)
    return inner.of_type if isinstance(inner, graphql.GraphQLList) else None


def hostile_string(value: str) -> bool:
    return (
        len(value) > PAGE_MAX
        or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in value)
        or any(c.isdigit() and not c.isascii() for c in value)
        or value in HOSTILE_TEXT
        or value in HOSTILE_CURSORS
    )


def is_hostile(real: Real, value: Any, type_: graphql.GraphQLInputType, name: str, root: str) -> bool:
    if value is None:
        return False
    item = list_item_type(type_)
    if item is not None:
        items = value if isinstance(value, list) else [value]
        return len(items) == 0 or len(items) > LIST_MAX or any(is_hostile(real, v, item, name, root) for v in items)
    base = named(type_)
    if isinstance(base, graphql.GraphQLInputObjectType):
        return any(is_hostile(real, value.get(n), f.type, n, root) for n, f in base.fields.items())
    if base.name == "ID":
        return not isinstance(value, str) or value not in real.ids.get(ID_KINDS.get(name, ""), [])
    if base.name == "String":
        return value not in real.cursors[root] if name == "after" else hostile_string(value)
    if base.name == "Int":
        return not 0 <= value <= PAGE_MAX
    return False


def settle(real: Real, value: Any, type_: graphql.GraphQLInputType, name: str, root: str, draw: Any, tidy: bool) -> Any:
    """Replaces each REAL stand-in with a real value fit for the argument it stands in; when
    `tidy`, every hostile value too (the caller adds one back where it wants it)."""
    item = list_item_type(type_)
    if item is not None and value is not None:
        items = [settle(real, v, item, name, root, draw, tidy) for v in (value if isinstance(value, list) else [value])]
        if tidy and not 0 < len(items) <= LIST_MAX:
            return [settle(real, REAL, item, name, root, draw, tidy)]
        return items
    base = named(type_)
    if isinstance(value, dict) and isinstance(base, graphql.GraphQLInputObjectType):
        return {n: settle(real, v, base.fields[n].type, n, root, draw, tidy) for n, v in value.items()}
    if value != REAL and not (tidy and is_hostile(real, value, type_, name, root)):
        return value
    if isinstance(base, graphql.GraphQLEnumType):
        return draw(st.sampled_from(list(base.values)))
    if base.name == "ID":
        return draw(st.sampled_from(real.ids[ID_KINDS[name]]))
    if base.name == "Int":
        return draw(st.integers(0, 100))
    return draw(st.sampled_from(real.strings(name, root)))


def hostile_values(real: Real, type_: graphql.GraphQLInputType, name: str) -> st.SearchStrategy[Any] | None:
    """A strategy of hostile values for an argument or input field, None when it takes none."""
    item = list_item_type(type_)
    if item is not None:
        base = named(item)
        lists: list[list[Any]]
        if base.name == "ID":
            kind = ID_KINDS[name]
            lists = [real.many_ids[kind], real.repeated_ids[kind]]
            items = st.lists(st.sampled_from(real.hostile_ids), min_size=1, max_size=3)
        elif base.name == "String":
            lists = [real.many_tokens]
            items = st.lists(st.sampled_from(HOSTILE_TEXT), min_size=1, max_size=3)
        elif isinstance(base, graphql.GraphQLEnumType):
            lists = [list(base.values) * (MANY // len(base.values))]
            items = st.just([])
        else:
            return None
        # Just over the documented caps (100 groups, 10,000 tokens or contacts), and far over.
        over = [cut for whole in lists for cut in (whole[: LIST_MAX + 1], whole[:10_001], whole)]
        return st.one_of(st.just([]), st.sampled_from(over), items)
    base = named(type_)
    if base.name == "ID":
        return st.sampled_from(real.hostile_ids)
    if base.name == "String":
        return st.sampled_from(HOSTILE_CURSORS if name == "after" else HOSTILE_TEXT)
    if base.name == "Int":
        return st.sampled_from(HOSTILE_INTS)
    return None


@dataclass
class RootField:
    node: graphql.FieldNode
    definition: graphql.GraphQLField
    values: dict[str, Any]

    @property
    def key(self) -> str:
        return (self.node.alias or self.node.name).value


@dataclass
class Slot:
    """An argument, or a field of an input object argument, that can take a hostile value."""

    root: RootField
    path: tuple[str, ...]
    type_: graphql.GraphQLInputType

    def set(self, value: Any) -> None:
        target = self.root.values
        for step in self.path[:-1]:
            if not isinstance(target.get(step), dict):
                target[step] = {}
            target = target[step]
        target[self.path[-1]] = value


def slots(real: Real, root: RootField) -> Iterator[Slot]:
    def under(path: tuple[str, ...], type_: graphql.GraphQLInputType) -> Iterator[Slot]:
        base = named(type_)
        if isinstance(base, graphql.GraphQLInputObjectType) and list_item_type(type_) is None:
            for name, input_field in base.fields.items():
                yield from under((*path, name), input_field.type)
            return
        if hostile_values(real, type_, path[-1]) is not None:
            yield Slot(root, path, type_)

    for name, argument in root.definition.args.items():
        yield from under((name,), argument.type)


def with_errors_selected(root: RootField) -> graphql.FieldNode:
    """Mutation payloads always select `errors`, so that the tally can tell what was refused why."""
    payload = named(root.definition.type)
    selection = root.node.selection_set
    if not isinstance(payload, graphql.GraphQLObjectType) or "errors" not in payload.fields or selection is None:
        return root.node
    if any(isinstance(s, graphql.FieldNode) and s.name.value == "errors" for s in selection.selections):
        return root.node
    errors = graphql.parse("{ errors { field code message } }").definitions[0]
    assert isinstance(errors, graphql.OperationDefinitionNode)
    selections = (*selection.selections, *errors.selection_set.selections)
    return graphql.FieldNode(
        alias=root.node.alias,
        name=root.node.name,
        arguments=root.node.arguments,
        directives=root.node.directives,
        selection_set=graphql.SelectionSetNode(selections=selections),
    )


def leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, list | dict):
        for item in value.values() if isinstance(value, dict) else value:
            yield from leaves(item)
    else:
        yield value


def needs_a_variable(value: Any) -> bool:
    """A document holds at most 2,000 tokens and 100,000 characters, and GraphQL's lexer refuses
    a lone surrogate: such values go as variables, so that they reach the resolvers."""
    count = 0
    for leaf in leaves(value):
        count += 1
        if isinstance(leaf, str) and (len(leaf) > PAGE_MAX or any(0xD800 <= ord(c) <= 0xDFFF for c in leaf)):
            return True
    return count > LIST_MAX


def requests(real: Real) -> st.SearchStrategy[Request]:
    # Root fields' arguments are steered (real ids, one hostile value at least); a nested field's
    # page size takes the generator's Ints as they come, hostile ones included. Any other nested
    # argument would need the same care as the roots'.
    roots = {SCHEMA.query_type, SCHEMA.mutation_type, SCHEMA.subscription_type}
    nested = [
        f"{type_.name}.{name}"
        for type_ in SCHEMA.type_map.values()
        if isinstance(type_, graphql.GraphQLObjectType) and type_ not in roots and not type_.name.startswith("__")
        for name, field_ in type_.fields.items()
        if set(field_.args) - {"first"}
    ]
    assert not nested, f"teach the fuzz test the arguments of {nested}"
    # As nodes, not text: a lone surrogate in a literal would not even parse.
    documents = from_schema(SDL, custom_scalars=scalar_strategies(real), print_ast=lambda document: document)

    @st.composite
    def build(draw: st.DrawFn) -> Request:
        operation = draw(documents).definitions[0]
        assert isinstance(operation, graphql.OperationDefinitionNode)
        root_type = SCHEMA.mutation_type if operation.operation == graphql.OperationType.MUTATION else SCHEMA.query_type
        assert root_type is not None
        roots = []
        for node in operation.selection_set.selections:
            assert isinstance(node, graphql.FieldNode)
            definition = root_type.fields[node.name.value]
            root = RootField(node, definition, {})
            # Most root fields keep only real values, so that they reach the services.
            tidy = draw(st.integers(0, 2)) > 0
            for argument in node.arguments or ():
                name = argument.name.value
                untyped = graphql.value_from_ast_untyped(argument.value)
                root.values[name] = settle(real, untyped, definition.args[name].type, name, node.name.value, draw, tidy)
            roots.append(root)

        if not any(
            is_hostile(real, value, root.definition.args[name].type, name, root.node.name.value)
            for root in roots
            for name, value in root.values.items()
        ):
            candidates = [slot for root in roots for slot in slots(real, root)]
            assume(candidates)  # only `organization` alone takes no argument at all
            slot = draw(st.sampled_from(candidates))
            hostile = hostile_values(real, slot.type_, slot.path[-1])
            assert hostile is not None
            slot.set(draw(hostile))

        variables: dict[str, Any] = {}
        definitions = []
        fields = []
        for root in roots:
            arguments = []
            for name, value in root.values.items():
                argument_type = root.definition.args[name].type
                if needs_a_variable(value) or draw(st.integers(0, 3)) == 3:
                    variable = f"v{len(definitions)}"
                    variables[variable] = value
                    definitions.append(
                        graphql.VariableDefinitionNode(
                            variable=graphql.VariableNode(name=graphql.NameNode(value=variable)),
                            type=graphql.parse_type(str(argument_type)),
                        )
                    )
                    literal: graphql.ValueNode = graphql.VariableNode(name=graphql.NameNode(value=variable))
                else:
                    node = graphql.ast_from_value(value, argument_type)
                    assert node is not None, (name, value)
                    literal = node
                arguments.append(graphql.ArgumentNode(name=graphql.NameNode(value=name), value=literal))
            node = with_errors_selected(root)
            fields.append(
                graphql.FieldNode(
                    alias=node.alias,
                    name=node.name,
                    arguments=tuple(arguments),
                    directives=node.directives,
                    selection_set=node.selection_set,
                )
            )
        document = graphql.DocumentNode(
            definitions=(
                graphql.OperationDefinitionNode(
                    operation=operation.operation,
                    variable_definitions=tuple(definitions),
                    directives=(),
                    selection_set=graphql.SelectionSetNode(selections=tuple(fields)),
                ),
            )
        )
        return Request(graphql.print_ast(document), variables, [root.key for root in roots])

    return build()


# --- the checks ------------------------------------------------------------------------------


class ServerFailure(AssertionError):
    """The server failed a request; one subclass per kind of failure, so that Hypothesis reports
    each kind on its own, with its own minimal example."""


_failure_kinds: dict[str, type[ServerFailure]] = {}


def failure(signature: str, message: str) -> ServerFailure:
    kind = _failure_kinds.get(signature)
    if kind is None:
        kind = _failure_kinds[signature] = type(f"ServerFailure[{signature}]", (ServerFailure,), {})
    return kind(message)


_RECORD = re.compile(r"^(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d|INFO:|WARNING:|ERROR:)", re.MULTILINE)
_FRAME = re.compile(r'File "[^"]*/((?:app|graphql_schema)/[^"]+)", line \d+, in (\w+)')
_TRACEBACK = "Traceback (most recent call last):"
# The garbage collector finalises objects whenever it happens to run, so what it reports
# ("Exception ignored in: <coroutine ...>", "coroutine ... was never awaited") belongs to no
# request in particular: checked once over the whole run instead of per request.
_UNRAISABLE = re.compile(
    r"^Exception ignored in: .*\n(?:Traceback \(most recent call last\):\n(?:[ \t].*\n)*\S.*\n)?", re.MULTILINE
)
_FINALISER_NOISE = ("Exception ignored in", "was never awaited")


def signatures(log: str) -> list[str]:
    """One signature per logged traceback: its first exception (the root cause of a chain) and
    the deepest frame of ours under it. A domain error is a client's mistake, whatever logged it."""
    found = []
    for record in _RECORD.split(log):
        if _TRACEBACK not in record:
            continue
        first = record.split(_TRACEBACK)[1]
        exception = next(
            (line.split(":")[0] for line in first.splitlines()[1:] if line.strip() and not line[0].isspace()),
            "traceback",
        )
        if exception.startswith("app.errors."):
            found.append("a domain error logged with a traceback")
            continue
        frames = _FRAME.findall(first) or _FRAME.findall(record)
        found.append(f"{exception} in {frames[-1][0]}:{frames[-1][1]}" if frames else exception)
    return found


def shorten(value: Any) -> Any:
    """Long strings and lists cut, so that a failure stays readable."""
    if isinstance(value, str):
        return value if len(value) <= 120 else f"{value[:80]!r}... ({len(value):,} characters)"
    if isinstance(value, list):
        shown = [shorten(v) for v in value[:5]]
        return shown if len(value) <= 5 else [*shown, f"... ({len(value):,} items)"]
    if isinstance(value, dict):
        return {k: shorten(v) for k, v in value.items()}
    return value


class LogTail:
    """What the server wrote to its log since the last read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size

    def read(self) -> str:
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            new = log.read()
        self.offset += len(new)
        return new.decode("utf-8", errors="replace")


def tally_response(tally: Tally, request: Request, body: Any) -> None:
    if not isinstance(body, dict) or "data" not in body:
        return
    tally.executed += 1
    data = body["data"] or {}
    codes: dict[str, set[str]] = {key: set() for key in request.roots}
    for error in body.get("errors") or []:
        path = error.get("path") or []
        if path and path[0] in codes:
            codes[path[0]].add((error.get("extensions") or {}).get("code") or "GRAPHQL")
    for key in request.roots:
        result = data.get(key)
        if isinstance(result, dict) and isinstance(result.get("errors"), list):
            codes[key].update(e.get("code") for e in result["errors"] if isinstance(e, dict))
    refused_at_the_door = {"INVALID_ID", "UNAUTHENTICATED", "GRAPHQL"}
    if any(not (c & refused_at_the_door) and (c or data.get(k) is not None) for k, c in codes.items()):
        tally.reached += 1
    if any(not c and data.get(k) is not None for k, c in codes.items()):
        tally.answered += 1


def check(http: httpx.Client, log: LogTail, key: str, request: Request, tally: Tally) -> None:
    tally.requests += 1
    tally.with_variables += bool(request.variables)
    log.read()  # anything before this request is not its doing
    response = http.post(
        "/graphql",
        # json.dumps escapes lone surrogates, which httpx's own encoder refuses to send.
        content=json.dumps({"query": request.document, "variables": request.variables}).encode(),
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    written = _UNRAISABLE.sub("", log.read())
    try:
        body = response.json()
    except ValueError:
        body = response.text
    tally_response(tally, request, body)

    masked = "Internal server error." in response.text
    traceback = "Traceback (most recent call last)" in written
    if response.status_code < 500 and not masked and not traceback:
        return
    if traceback:
        # A real crash says more than a client error logged with a traceback beside it.
        found = signatures(written)
        signature = next((f for f in found if not f.startswith("a domain error")), found[0])
    elif response.status_code >= 500:
        signature = f"HTTP {response.status_code}"
    else:
        signature = "masked error without traceback"
    raise failure(
        signature,
        f"{signature}\n{request!r}\nanswer: HTTP {response.status_code} {shorten(body)}\n"
        f"server log:\n{written[-3_000:]}",
    )


# --- the test --------------------------------------------------------------------------------

FIRST_CURSOR = {
    "contacts": "query($a: ID!) { contacts(accountId: $a, first: 1) { pageInfo { endCursor } } }",
    "optOuts": "query($a: ID!) { optOuts(accountId: $a, first: 1) { pageInfo { endCursor } } }",
    "optOutHistory": (
        "query($a: ID!, $t: String!) { optOutHistory(accountId: $a, token: $t, first: 1) { pageInfo { endCursor } } }"
    ),
    "audience": (
        "query($a: ID!, $g: [ID!]!) { audience(accountId: $a, groupIds: $g, channel: EMAIL, first: 1) {"
        " pageInfo { endCursor } } }"
    ),
    "outboundMessages": "query($a: ID!) { outboundMessages(accountId: $a, first: 1) { pageInfo { endCursor } } }",
    "inboundMessages": "query($a: ID!) { inboundMessages(accountId: $a, first: 1) { pageInfo { endCursor } } }",
}


async def real_values(tenant: Tenant, other_tenant: Tenant) -> Real:
    account = await tenant.create_account()
    isolated = await tenant.create_account(scope="ACCOUNT", country=None)
    group = await tenant.create_group(account)
    bypass = await tenant.create_group(account, bypass=True)
    contacts = [
        await tenant.create_contact(account, phone="+31612345678", email="fuzz@example.com", groups=[group]),
        await tenant.create_contact(account, phone="+31687654321", email="other@example.com", groups=[group, bypass]),
    ]
    confirm = "mutation($a: ID!) { updateAccount(id: $a, sendConfirmation: true) { errors { code } } }"
    await tenant.api.graphql(confirm, {"a": account}, key=tenant.admin_key)  # so it has outbound messages
    await tenant.opt_out(account, "+31612345678", ["SMS", "WHATSAPP"], reason="STOP")
    await tenant.opt_out(account, "+31612345678", ["VOICE"])
    inbound = {"accountId": account, "from": "+31687654321", "to": "3010", "body": "HELP"}  # for the incoming report
    posted = await tenant.api.http.post(
        "/inbound/sms", json=inbound, headers={"authorization": f"Bearer {tenant.writer_key}"}
    )
    assert posted.status_code == 200, posted.text
    cursors: dict[str, list[str]] = {}
    for root, query in FIRST_CURSOR.items():
        variables = {"a": account, "t": "+31612345678", "g": [group]}
        used = {k: v for k, v in variables.items() if f"${k}" in query}
        data = await tenant.api.graphql(query, used, key=tenant.admin_key)
        cursors[root] = [data[root]["pageInfo"]["endCursor"]]
        assert cursors[root] != [None], root
    return Real(
        ids={"account": [account, isolated], "group": [group, bypass], "contact": contacts},
        foreign_ids=[await other_tenant.create_account()],
        cursors=cursors,
        tokens=["+31612345678", "0687654321", "fuzz@example.com", "+31 6 1234 5678"],
    )


def fuzz(server: Server, key: str, real: Real, tally: Tally) -> None:
    log = LogTail(server.log)
    whole = LogTail(server.log)
    with httpx.Client(base_url=server.url, timeout=60.0) as http:

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
        )
        @given(requests(real))
        def every_request_gets_a_clear_answer(request: Request) -> None:
            check(http, log, key, request, tally)

        every_request_gets_a_clear_answer()
    # Also nothing logged late, between requests, by a background task or by the garbage collector.
    written = whole.read()
    for marker in (_TRACEBACK, *_FINALISER_NOISE):
        at = written.find(marker)
        assert at < 0, f"the server logged {marker!r}:\n{written[max(0, at - 2_000) : at + 3_000]}"


@pytest.mark.timeout(max(120, EXAMPLES // 2))
async def test_generated_requests_with_hostile_values_get_clear_answers(
    server: Server, tenant: Tenant, other_tenant: Tenant, capsys: pytest.CaptureFixture[str]
) -> None:
    real = await real_values(tenant, other_tenant)
    tally = Tally()

    # Hypothesis drives a synchronous test; a thread keeps it off the session's event loop.
    await asyncio.to_thread(fuzz, server, tenant.admin_key, real, tally)

    with capsys.disabled():
        print(
            f"\nfuzz: {tally.requests} requests ({tally.with_variables} with variables), {tally.executed} executed, "
            f"{tally.reached} reached a service past id decoding, {tally.answered} had a field answered without error"
        )
    # The fuzzing is only worth as much as the requests that get past the door.
    assert tally.reached >= tally.requests // 10, tally
